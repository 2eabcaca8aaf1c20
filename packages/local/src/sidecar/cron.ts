import type { Logger } from '@nudge/core';
import type { InputBindingPlan } from './dapr-resources.ts';

/**
 * Fires each cron input binding on its schedule by POSTing to `/<binding-name>` on every scoped
 * app, as Dapr's input binding does. Like Dapr, a slow call does not delay the next tick, and a
 * failed one is logged, not retried: the next tick comes anyway.
 */
export function startCronBindings(
  bindings: InputBindingPlan[],
  apps: Map<string, string>,
  logger: Logger,
): { stop(): void } {
  const timers = new Set<NodeJS.Timeout>();
  const controller = new AbortController();
  for (const binding of bindings) {
    for (const appId of binding.scopes ?? [...apps.keys()]) {
      const appUrl = apps.get(appId);
      if (!appUrl) {
        logger.warn(
          { binding: binding.name, app_id: appId },
          `binding ${binding.name}: no local port for app ${appId}; skipped`,
        );
        continue;
      }
      const fire = async (at: Date) => {
        const started = performance.now();
        const fields = { binding: binding.name, app_id: appId, path: `/${binding.name}` };
        try {
          const response = await fetch(`${appUrl}/${binding.name}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', readtimeutc: at.toISOString(), timezone: 'UTC' },
            signal: AbortSignal.any([controller.signal, AbortSignal.timeout(60_000)]),
          });
          const body = await response.text();
          const line = {
            ...fields,
            status: response.status,
            duration_ms: Math.round(performance.now() - started),
          };
          if (response.ok)
            logger.info(
              { ...line, response: body.slice(0, 300) },
              `cron ${binding.name} → ${appId}: ${response.status}`,
            );
          else
            logger.error(
              { ...line, response: body.slice(0, 300) },
              `cron ${binding.name} → ${appId} failed: HTTP ${response.status}`,
            );
        } catch (error) {
          if (controller.signal.aborted) return;
          logger.error(
            { ...fields, err: (error as Error).message },
            `cron ${binding.name} → ${appId} failed`,
          );
        }
      };
      const arm = (after: Date) => {
        const at = binding.schedule.next(after);
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            arm(at);
            void fire(at);
          },
          Math.max(0, at.getTime() - Date.now()),
        );
        timers.add(timer);
      };
      arm(new Date());
      logger.info(
        bindingFields(binding, appId),
        `cron ${binding.name} (${binding.schedule.description}) → ${appId} /${binding.name}`,
      );
    }
  }
  return {
    stop() {
      controller.abort();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

function bindingFields(binding: InputBindingPlan, appId: string) {
  return { binding: binding.name, app_id: appId, schedule: binding.schedule.description };
}
