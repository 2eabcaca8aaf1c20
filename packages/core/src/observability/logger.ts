import { pino } from 'pino';

export type Logger = pino.Logger;

/**
 * JSON lines on stdout, one object per event, with `service` on every line. Request- and
 * event-scoped children add `event_id`, `traceparent` and friends.
 */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
