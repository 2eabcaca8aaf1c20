import { AppError, createEdge, isRetryableDbError, jsonResponse, type OpsDeps } from '@nudge/core';
import { createLateSetSubscribers } from './late-set.ts';
import { type ScanDeps, scan } from './scan.ts';

/**
 * cron-scan's HTTP edge. The Dapr cron binding POSTs to `/<binding name>` (`/scan-schedule`);
 * any other POST runs a scan too, so `func invoke` and the local stack can trigger one. The
 * reminders Subscription (dapr/subscriptions/cron-scan.yaml) delivers late-set reminders to
 * `/reminder-scheduled` and `/reminder-cancelled`; the sidecar skips every other reminder.* event.
 */
export function createCronScanApp(deps: ScanDeps & OpsDeps) {
  const app = createEdge(deps);
  const lateSet = createLateSetSubscribers(deps);
  app.all('/dapr/*', () => {
    // The sidecar asks GET /dapr/subscribe and /dapr/config at start; 404 means "nothing here".
    throw new AppError('not_found', 'no programmatic subscriptions');
  });
  app.post('/reminder-scheduled', (c) => lateSet.scheduled.fetch(c.req.raw));
  app.post('/reminder-cancelled', (c) => lateSet.cancelled.fetch(c.req.raw));
  app.post('*', async (c) => {
    try {
      const summary = await scan(deps);
      const url = new URL(c.req.url);
      deps.logger.info({ ...summary, path: url.pathname + url.search }, 'scan finished');
      return jsonResponse(200, summary);
    } catch (error) {
      deps.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'scan failed');
      // The binding logs a non-2xx answer; the next tick simply scans again.
      if (isRetryableDbError(error))
        throw new AppError('unavailable', 'database unavailable; the next scan retries', { cause: error });
      throw error;
    }
  });
  app.all('*', () => {
    // 405 (not 404) also tells the sidecar's OPTIONS probe that the app listens for the binding.
    throw new AppError('method_not_allowed', 'POST to run a scan');
  });
  return app;
}
