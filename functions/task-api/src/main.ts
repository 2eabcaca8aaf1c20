// Process entry (images, `npm start`): serves the app on a plain Node server, which reads each
// body itself (malformed JSON → our JSON 400), with a draining shutdown (see core's serveApp).
import { closeFunctionDeps, serveApp } from '@nudge/core';
import { app, config, deps, shared } from './instance.ts';

await serveApp({
  app,
  name: 'task-api',
  port: config.PORT,
  logger: shared.logger,
  onShutdown: () => closeFunctionDeps(shared),
});
// Live streams would hold the drain open until its timeout: end them at once (clients reconnect).
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void deps.streams.close());
