/**
 * A subscriber's delivery answer, mapped 1:1 onto Dapr's contract (HTTP 200 with
 * `{"status": …}`): SUCCESS acknowledges, RETRY asks for redelivery under the resiliency
 * policy, DROP sends the event to the subscription's dead-letter topic (Dapr ≥ 1.13).
 */
export type Outcome =
  | { status: 'SUCCESS'; note?: string }
  | { status: 'RETRY'; reason: string }
  | { status: 'DROP'; reason: string };

export const success = (note?: string): Outcome =>
  note ? { status: 'SUCCESS', note } : { status: 'SUCCESS' };
export const retry = (reason: string): Outcome => ({ status: 'RETRY', reason });
export const drop = (reason: string): Outcome => ({ status: 'DROP', reason });
