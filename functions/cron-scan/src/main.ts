// Process entry (images, `npm start`): serves the function index.ts registers, with a draining
// shutdown that hands held reminders back (see core's serveFunction).
import { closeFunctionDeps, serveFunction } from '@nudge/core';
import { config, deps, held } from './index.ts';

await serveFunction({
  target: 'cron-scan',
  port: config.PORT,
  logger: deps.logger,
  onShutdown: async () => {
    await held.close();
    await closeFunctionDeps(deps);
  },
});
