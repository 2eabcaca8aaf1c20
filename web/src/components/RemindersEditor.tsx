import type { Reminder, ReminderInput } from '../api/types.ts';
import { formatFull } from '../lib/time.ts';

/** One reminder as edited: relative to the due date, or at a local date-time; `saved` when unchanged. */
export type ReminderDraft = { key: string; saved?: Reminder } & (
  | { kind: 'before'; before: string }
  | { kind: 'at'; at: string }
);

export const beforeChoices: [string, string][] = [
  ['PT0S', 'at the due time'],
  ['PT5M', '5 minutes before'],
  ['PT15M', '15 minutes before'],
  ['PT30M', '30 minutes before'],
  ['PT1H', '1 hour before'],
  ['PT2H', '2 hours before'],
  ['P1D', '1 day before'],
  ['P2D', '2 days before'],
  ['P1W', '1 week before'],
];

/** `2027-03-08T08:00` in the browser's zone, for a datetime-local input. */
function localInput(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function draftsOf(reminders: Reminder[]): ReminderDraft[] {
  return reminders
    .filter((r) => r.status !== 'cancelled')
    .map((r) =>
      r.before
        ? { key: r.id, saved: r, kind: 'before', before: r.before }
        : { key: r.id, saved: r, kind: 'at', at: localInput(r.remind_at) },
    );
}

export function inputsOf(drafts: ReminderDraft[]): ReminderInput[] {
  return drafts.map((d) =>
    d.kind === 'before' ? { before: d.before } : { at: new Date(d.at).toISOString() },
  );
}

function status(reminder: Reminder | undefined): { text: string; tone: string } {
  if (!reminder) return { text: 'new', tone: 'new' };
  switch (reminder.status) {
    case 'pending':
      return { text: `pending · ${formatFull(reminder.remind_at)}`, tone: 'pending' };
    case 'sent':
      return { text: `sent ${reminder.sent_at ? formatFull(reminder.sent_at) : ''}`, tone: 'sent' };
    case 'failed':
      return { text: 'failed: the mail server refused it', tone: 'failed' };
    case 'skipped':
      return { text: 'skipped: its time had passed', tone: 'skipped' };
    default:
      return { text: reminder.status, tone: 'skipped' };
  }
}

let counter = 0;

/** Several reminders per task, relative or absolute, each with its delivery status. */
export function RemindersEditor({
  drafts,
  onChange,
  hasDue,
}: {
  drafts: ReminderDraft[];
  onChange: (drafts: ReminderDraft[]) => void;
  hasDue: boolean;
}) {
  const replace = (index: number, draft: ReminderDraft) =>
    onChange(drafts.map((d, i) => (i === index ? draft : d)));
  return (
    <fieldset className="reminders-editor">
      <legend>Reminders</legend>
      {drafts.length === 0 && (
        <p className="hint">No reminders. Nudge emails you at the times you add here.</p>
      )}
      <ul className="reminders-editor__list">
        {drafts.map((draft, index) => {
          const shown = status(draft.saved);
          return (
            <li key={draft.key} className="reminder">
              {draft.kind === 'before' ? (
                <select
                  aria-label={`Reminder ${index + 1}: when`}
                  value={draft.before}
                  onChange={(event) =>
                    replace(index, { key: draft.key, kind: 'before', before: event.target.value })
                  }
                >
                  {!beforeChoices.some(([value]) => value === draft.before) && (
                    <option value={draft.before}>{draft.before} before</option>
                  )}
                  {beforeChoices.map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  type="datetime-local"
                  aria-label={`Reminder ${index + 1}: date and time`}
                  value={draft.at}
                  onChange={(event) => replace(index, { key: draft.key, kind: 'at', at: event.target.value })}
                />
              )}
              <span className={`reminder__status reminder__status--${shown.tone}`}>{shown.text}</span>
              <button
                type="button"
                className="icon-button"
                aria-label={`Remove reminder ${index + 1}`}
                onClick={() => onChange(drafts.filter((_, i) => i !== index))}
              >
                ×
              </button>
            </li>
          );
        })}
      </ul>
      <div className="button-row">
        <button
          type="button"
          className="button"
          disabled={!hasDue || drafts.length >= 10}
          onClick={() => onChange([...drafts, { key: `new-${++counter}`, kind: 'before', before: 'PT1H' }])}
        >
          + Before the due time
        </button>
        <button
          type="button"
          className="button"
          disabled={drafts.length >= 10}
          onClick={() =>
            onChange([
              ...drafts,
              {
                key: `new-${++counter}`,
                kind: 'at',
                at: localInput(new Date(Date.now() + 3_600_000).toISOString()),
              },
            ])
          }
        >
          + At a date and time
        </button>
      </div>
    </fieldset>
  );
}
