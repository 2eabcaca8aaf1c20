import type { RetrySettings } from './dapr-resources.ts';

/**
 * The waits between delivery attempts under a Dapr retry policy: yields the delay before each
 * retry, and undefined once `maxRetries` retries have been spent. Exponential mirrors Dapr's
 * backoff (github.com/dapr/kit/retry): start at the initial interval, multiply by 1.5 with ±50 %
 * jitter, never above maxInterval.
 */
export function retryDelays(
  settings: RetrySettings | undefined,
  random = Math.random,
): () => number | undefined {
  let retries = 0;
  let current = settings?.durationMs ?? 0;
  return () => {
    if (!settings || (settings.maxRetries >= 0 && retries >= settings.maxRetries)) return undefined;
    retries += 1;
    if (settings.policy === 'constant') return settings.durationMs;
    const jittered = current * (0.5 + random());
    current = Math.min(current * 1.5, settings.maxIntervalMs);
    return Math.min(jittered, settings.maxIntervalMs);
  };
}
