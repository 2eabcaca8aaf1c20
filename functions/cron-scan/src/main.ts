// Process entry (images, `npm start`): serves the app on a plain Node server, with a draining
// shutdown that hands held reminders back (see core's serveApp).
import { closeFunctionDeps, serveApp } from '@nudge/core';
import { app, config, deps, held } from './instance.ts';

await serveApp({
  app,
  name: 'cron-scan',
  port: config.PORT,
  logger: deps.logger,
  onShutdown: async () => {
    await held.close();
    await closeFunctionDeps(deps);
  },
});
