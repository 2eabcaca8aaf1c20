import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleOps, isRetryableDbError, type OpsDeps, sendJson } from '@nudge/core';
import { type ScanDeps, scan } from './scan.ts';

/**
 * cron-scan's HTTP edge. The Dapr cron binding POSTs to `/<binding name>` (`/scan-schedule`);
 * any POST runs a scan, so `func invoke` and the local stack can trigger one too.
 */
export function createCronScanHandler(deps: ScanDeps & OpsDeps) {
  return async function cronScan(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (await handleOps(req, res, deps)) return;
    if (req.url?.startsWith('/dapr/')) {
      // The sidecar asks GET /dapr/subscribe and /dapr/config at start; 404 means "nothing here".
      sendJson(res, 404, { error: { code: 'not_found', message: 'no programmatic subscriptions' } });
      return;
    }
    if (req.method !== 'POST') {
      // 405 (not 404) also tells the sidecar's OPTIONS probe that the app listens for the binding.
      sendJson(res, 405, { error: { code: 'method_not_allowed', message: 'POST to run a scan' } });
      return;
    }
    try {
      const summary = await scan(deps);
      deps.logger.info({ ...summary, path: req.url }, 'scan finished');
      sendJson(res, 200, summary);
    } catch (error) {
      const retryable = isRetryableDbError(error);
      deps.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'scan failed');
      // The binding logs a non-2xx answer; the next tick simply scans again.
      sendJson(
        res,
        retryable ? 503 : 500,
        retryable
          ? { error: { code: 'unavailable', message: 'database unavailable; the next scan retries' } }
          : { error: { code: 'internal', message: 'internal error' } },
      );
    }
  };
}
