import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { describeError } from '../api/client.ts';
import {
  buildRule,
  defaultFields,
  type Freq,
  type RecurrenceFields,
  summarize,
  type Weekday,
  weekdayNames,
  weekdays,
} from '../lib/rrule.ts';
import { formatFull } from '../lib/time.ts';
import { useServices } from '../sync/context.tsx';

export interface RecurrenceValue {
  fields: RecurrenceFields;
  from: 'due' | 'completion';
}

type Preset = 'none' | 'daily' | 'weekdays' | 'weekly' | 'monthly' | 'yearly' | 'custom';

function presetOf(value: RecurrenceValue | null, due: Date | null): Preset {
  if (!value) return 'none';
  const rule = buildRule(value.fields);
  for (const preset of ['daily', 'weekdays', 'weekly', 'monthly', 'yearly'] as const) {
    if (buildRule(presetFields(preset, due)) === rule) return preset;
  }
  return 'custom';
}

function presetFields(preset: Exclude<Preset, 'none' | 'custom'>, due: Date | null): RecurrenceFields {
  switch (preset) {
    case 'daily':
      return defaultFields(due, 'DAILY');
    case 'weekdays':
      return { ...defaultFields(due, 'WEEKLY'), byDay: ['MO', 'TU', 'WE', 'TH', 'FR'] };
    case 'weekly':
      return defaultFields(due, 'WEEKLY');
    case 'monthly':
      return defaultFields(due, 'MONTHLY');
    case 'yearly':
      return defaultFields(due, 'YEARLY');
  }
}

interface Props {
  value: RecurrenceValue | null;
  onChange: (value: RecurrenceValue | null) => void;
  /** The task's due instant (the series starts there) and zone, as currently edited. */
  dueAt: string | null;
  timezone: string;
}

/**
 * Presets and a custom form (interval, weekdays, monthly by day or nth weekday, yearly, an end,
 * repeat from due or from completion), a summary in words and the next five dates from the server.
 */
export function RecurrenceEditor({ value, onChange, dueAt, timezone }: Props) {
  const id = useId();
  const { api } = useServices();
  const due = dueAt ? new Date(dueAt) : null;
  // "Custom…" stays open once chosen, even while its fields happen to equal a preset.
  const [customOpen, setCustomOpen] = useState(() => presetOf(value, due) === 'custom');
  const preset = value && customOpen ? 'custom' : presetOf(value, due);
  const rule = value ? buildRule(value.fields) : null;
  const preview = useQuery({
    queryKey: ['recurrence-preview', rule, dueAt, timezone, 5],
    queryFn: () =>
      api.post<{ occurrences: string[] }>('/api/recurrence/preview', {
        rule,
        dtstart: dueAt,
        timezone,
        count: 5,
      }),
    enabled: Boolean(rule && dueAt),
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const set = (patch: Partial<RecurrenceFields>) =>
    value && onChange({ ...value, fields: { ...value.fields, ...patch } });
  const fields = value?.fields;

  return (
    <fieldset className="recurrence-editor">
      <legend>Repeat</legend>
      <label className="field">
        <span>Repeats</span>
        <select
          value={preset}
          onChange={(event) => {
            const next = event.target.value as Preset;
            setCustomOpen(next === 'custom');
            if (next === 'none') onChange(null);
            else if (next === 'custom')
              onChange({ fields: value?.fields ?? defaultFields(due), from: value?.from ?? 'due' });
            else onChange({ fields: presetFields(next, due), from: value?.from ?? 'due' });
          }}
          disabled={!dueAt}
        >
          <option value="none">Does not repeat</option>
          <option value="daily">Every day</option>
          <option value="weekdays">Every weekday (Mon–Fri)</option>
          <option value="weekly">Every week</option>
          <option value="monthly">Every month</option>
          <option value="yearly">Every year</option>
          <option value="custom">Custom…</option>
        </select>
      </label>
      {!dueAt && <p className="hint">Set a due date first: a series starts at its due date.</p>}
      {value && fields && preset === 'custom' && (
        <div className="recurrence-editor__custom">
          <div className="field-row">
            <label className="field field--narrow">
              <span>Every</span>
              <input
                type="number"
                min={1}
                max={999}
                value={fields.interval}
                onChange={(event) => set({ interval: Math.max(1, Number(event.target.value) || 1) })}
              />
            </label>
            <label className="field">
              <span>Unit</span>
              <select value={fields.freq} onChange={(event) => set({ freq: event.target.value as Freq })}>
                <option value="DAILY">day(s)</option>
                <option value="WEEKLY">week(s)</option>
                <option value="MONTHLY">month(s)</option>
                <option value="YEARLY">year(s)</option>
              </select>
            </label>
          </div>
          {fields.freq === 'WEEKLY' && (
            <fieldset className="weekday-picker">
              <legend>On</legend>
              {weekdays.map((day) => (
                <label key={day} className="weekday-picker__day">
                  <input
                    type="checkbox"
                    checked={fields.byDay.includes(day)}
                    onChange={(event) =>
                      set({
                        byDay: event.target.checked
                          ? [...fields.byDay, day]
                          : fields.byDay.filter((d: Weekday) => d !== day),
                      })
                    }
                  />
                  <span aria-hidden="true">{weekdayNames[day].slice(0, 2)}</span>
                  <span className="visually-hidden">{weekdayNames[day]}</span>
                </label>
              ))}
            </fieldset>
          )}
          {fields.freq === 'MONTHLY' && (
            <fieldset className="radio-group">
              <legend>On</legend>
              <label>
                <input
                  type="radio"
                  name={`${id}-monthly`}
                  checked={fields.monthly === 'day'}
                  onChange={() => set({ monthly: 'day' })}
                />
                day
                <input
                  type="number"
                  min={1}
                  max={31}
                  aria-label="Day of the month"
                  value={fields.monthDay}
                  onChange={(event) => set({ monthly: 'day', monthDay: Number(event.target.value) || 1 })}
                />
              </label>
              <label>
                <input
                  type="radio"
                  name={`${id}-monthly`}
                  checked={fields.monthly === 'nth'}
                  onChange={() => set({ monthly: 'nth' })}
                />
                the
                <select
                  aria-label="Which week of the month"
                  value={fields.nth}
                  onChange={(event) => set({ monthly: 'nth', nth: Number(event.target.value) })}
                >
                  <option value={1}>first</option>
                  <option value={2}>second</option>
                  <option value={3}>third</option>
                  <option value={4}>fourth</option>
                  <option value={-1}>last</option>
                </select>
                <select
                  aria-label="Weekday"
                  value={fields.nthDay}
                  onChange={(event) => set({ monthly: 'nth', nthDay: event.target.value as Weekday })}
                >
                  {weekdays.map((day) => (
                    <option key={day} value={day}>
                      {weekdayNames[day]}
                    </option>
                  ))}
                </select>
              </label>
            </fieldset>
          )}
          <fieldset className="radio-group">
            <legend>Ends</legend>
            <label>
              <input
                type="radio"
                name={`${id}-end`}
                checked={fields.end === 'never'}
                onChange={() => set({ end: 'never' })}
              />
              never
            </label>
            <label>
              <input
                type="radio"
                name={`${id}-end`}
                checked={fields.end === 'count'}
                onChange={() => set({ end: 'count' })}
              />
              after
              <input
                type="number"
                min={1}
                max={999}
                aria-label="Number of times"
                value={fields.count}
                onChange={(event) =>
                  set({ end: 'count', count: Math.max(1, Number(event.target.value) || 1) })
                }
              />
              times
            </label>
            <label>
              <input
                type="radio"
                name={`${id}-end`}
                checked={fields.end === 'until'}
                onChange={() => set({ end: 'until' })}
              />
              on
              <input
                type="date"
                aria-label="Last date"
                value={fields.until}
                onChange={(event) => set({ end: 'until', until: event.target.value })}
              />
            </label>
          </fieldset>
        </div>
      )}
      {value && (
        <>
          <label className="field">
            <span>Next one counts from</span>
            <select
              value={value.from}
              onChange={(event) => onChange({ ...value, from: event.target.value as 'due' | 'completion' })}
            >
              <option value="due">the due date (keeps a fixed schedule)</option>
              <option value="completion">the completion (e.g. "3 days after I did it")</option>
            </select>
          </label>
          <p className="recurrence-editor__summary" data-testid="recurrence-summary">
            {summarize(value.fields, value.from, due)}
          </p>
          <div aria-live="polite">
            {preview.isError && (
              <p className="form-error" role="alert">
                {describeError(preview.error)}
              </p>
            )}
            {preview.data && (
              <>
                <p className="hint">
                  {value.from === 'completion' ? 'If each is done on time, next dates:' : 'Next dates:'}
                </p>
                <ol
                  className="recurrence-editor__preview"
                  aria-label="Next dates"
                  data-testid="recurrence-preview"
                >
                  {preview.data.occurrences.map((at) => (
                    <li key={at}>{formatFull(at)}</li>
                  ))}
                </ol>
              </>
            )}
          </div>
        </>
      )}
    </fieldset>
  );
}
