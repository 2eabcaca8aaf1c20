/** Where "now" comes from: injected so tests can stand at any instant without waiting. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
