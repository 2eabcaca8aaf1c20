// Process entry (images, `npm start`): serves the function index.ts registers, with a dead-letter
// answer for unparsable bodies and a draining shutdown (see core's serveFunction).
import { closeFunctionDeps, serveFunction } from '@nudge/core';
import { consumer } from './handler.ts';
import { config, deps } from './index.ts';

await serveFunction({
  target: consumer,
  port: config.PORT,
  logger: deps.logger,
  onShutdown: () => closeFunctionDeps(deps),
});
