import type { Clock } from '@nudge/core';

export interface ManualClock extends Clock {
  /** Moves the clock to this instant. */
  set(at: string | Date): void;
  advance(ms: number): void;
}

/** A clock the test moves by hand (from `start`, default now), so deadlines and backoff expire without waiting. */
export function manualClock(start: string | Date = new Date()): ManualClock {
  let now = new Date(start).getTime();
  return {
    now: () => new Date(now),
    set(at) {
      now = new Date(at).getTime();
    },
    advance(ms) {
      now += ms;
    },
  };
}
