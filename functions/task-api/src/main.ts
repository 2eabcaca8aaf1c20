// Process entry (images, `npm start`): serves the function index.ts registers, with JSON answers
// for unparsable bodies and a draining shutdown (see core's serveFunction).
import { closeFunctionDeps, serveFunction } from '@nudge/core';
import { config, shared } from './index.ts';

await serveFunction({
  target: 'task-api',
  port: config.PORT,
  logger: shared.logger,
  onShutdown: () => closeFunctionDeps(shared),
});
