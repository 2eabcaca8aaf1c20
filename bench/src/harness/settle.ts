import type { Db } from '@nudge/core';
import type { RecentEvent, TestStack } from '@nudge/testing';
import { sql } from 'kysely';

/**
 * Waits until the stack has nothing in flight: no unpublished outbox row, and every recent event
 * of every topic delivered (or dropped) to each consumer, twice in a row. Between the phases of
 * a benchmark, so one phase's tail (the events its writes caused) is not measured as the next
 * phase's cost.
 */
export async function settlePipeline(
  stack: TestStack,
  db: Db,
  topics: readonly string[],
  timeoutMs = 180_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietChecks = 0;
  while (quietChecks < 2) {
    if (Date.now() > deadline) throw new Error(`the pipeline did not settle within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from outbox where published_at is null`.execute(db);
    let busy = rows[0]!.n > 0;
    for (const topic of topics) {
      if (busy) break;
      const response = await fetch(`${stack.urls.sidecar}/dev/events?topic=${topic}&limit=1000`);
      const { events } = (await response.json()) as { events: RecentEvent[] };
      busy = events.some((event) =>
        Object.values(event.deliveries).some((d) => d.status === 'pending' || d.status === 'retrying'),
      );
    }
    quietChecks = busy ? 0 : quietChecks + 1;
  }
}
