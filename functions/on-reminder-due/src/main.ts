// Process entry (images, `npm start`): serves the app on a plain Node server, with a dead-letter
// answer for unparsable bodies and a draining shutdown (see core's serveApp).
import { closeFunctionDeps, serveApp } from '@nudge/core';
import { consumer } from './handler.ts';
import { app, config, deps } from './instance.ts';

await serveApp({
  app,
  name: consumer,
  port: config.PORT,
  logger: deps.logger,
  onShutdown: () => closeFunctionDeps(deps),
});
