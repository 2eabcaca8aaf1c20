import { reminderMessageId, type SmtpSink } from '@nudge/testing';
import { type Distribution, distribution, round } from '../harness/stats.ts';

export interface DeliveryOutcome {
  delivered: number;
  expected: number;
  duplicates: number;
  /** Seconds from the reminders' due time to the last SMTP acceptance. */
  last_accepted_s: number;
  /** Seconds each email was accepted after its reminder's time (negative: early). */
  lateness_s: Distribution;
}

/** Lateness of each expected reminder, measured where the user sees it: the SMTP server's acceptance. */
export function deliveryOutcome(sink: SmtpSink, expected: ReadonlyMap<string, number>): DeliveryOutcome {
  const lateness: number[] = [];
  let last = Number.NEGATIVE_INFINITY;
  let lastDue = 0;
  for (const [reminderId, dueAt] of expected) {
    const mail = sink.accepted.get(reminderMessageId(reminderId));
    if (!mail) continue;
    lateness.push((mail.acceptedAt - dueAt) / 1000);
    if (mail.acceptedAt > last) {
      last = mail.acceptedAt;
      lastDue = dueAt;
    }
  }
  const ids = new Set([...expected.keys()].map(reminderMessageId));
  return {
    delivered: lateness.length,
    expected: expected.size,
    duplicates: sink.duplicates.filter((mail) => ids.has(mail.messageId)).length,
    last_accepted_s: lateness.length === 0 ? Number.NaN : (last - lastDue) / 1000,
    lateness_s: distribution(lateness),
  };
}

/** The delivery columns every lateness table shows, in order. */
export function deliveryColumns(outcome: DeliveryOutcome) {
  return {
    delivered: `${outcome.delivered}/${outcome.expected}`,
    duplicates: outcome.duplicates,
    'lateness p50 s': round(outcome.lateness_s.p50, 2),
    'p95 s': round(outcome.lateness_s.p95, 2),
    'p99 s': round(outcome.lateness_s.p99, 2),
    'max s': round(outcome.lateness_s.max, 2),
  };
}
