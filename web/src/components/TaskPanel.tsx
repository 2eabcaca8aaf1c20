import { useEffect, useId, useRef, useState } from 'react';
import { describeError } from '../api/client.ts';
import { type Priority, priorities, type Task, type TaskPatch } from '../api/types.ts';
import { buildRule, parseRule } from '../lib/rrule.ts';
import { timeZones, wallTime, zonedInstant } from '../lib/time.ts';
import { useTaskActions } from '../sync/context.tsx';
import { RecurrenceEditor, type RecurrenceValue } from './RecurrenceEditor.tsx';
import { draftsOf, inputsOf, type ReminderDraft, RemindersEditor } from './RemindersEditor.tsx';
import { priorityLabels } from './TaskRow.tsx';

interface Form {
  title: string;
  description: string;
  priority: Priority;
  tags: string[];
  dueDate: string;
  dueTime: string;
  timezone: string;
  recurrence: RecurrenceValue | null;
  /** A rule the editor cannot show: kept as it is unless the user picks another. */
  otherRule: string | null;
  reminders: ReminderDraft[];
}

function formOf(task: Task): Form {
  const wall = task.due_at ? wallTime(task.due_at, task.timezone) : { date: '', time: '' };
  const due = task.due_at ? new Date(task.due_at) : null;
  const fields = task.recurrence ? parseRule(task.recurrence.rule, due) : null;
  return {
    title: task.title,
    description: task.description ?? '',
    priority: task.priority,
    tags: task.tags,
    dueDate: wall.date,
    dueTime: wall.time,
    timezone: task.timezone,
    recurrence: task.recurrence && fields ? { fields, from: task.recurrence.from } : null,
    otherRule: task.recurrence && !fields ? task.recurrence.rule : null,
    reminders: draftsOf(task.reminders),
  };
}

function dueOf(form: Form): string | null {
  return form.dueDate ? zonedInstant(form.dueDate, form.dueTime || '09:00', form.timezone) : null;
}

/** Only what changed, so a save never rewrites reminders or a series the user did not touch. */
function patchOf(task: Task, initial: Form, form: Form): TaskPatch {
  const patch: TaskPatch = {};
  if (form.title !== initial.title) patch.title = form.title;
  if (form.description !== initial.description) patch.description = form.description || null;
  if (form.priority !== initial.priority) patch.priority = form.priority;
  if (form.tags.join('\n') !== initial.tags.join('\n')) patch.tags = form.tags;
  const due = dueOf(form);
  if (due !== dueOf(initial)) patch.due_at = due;
  if (form.timezone !== initial.timezone) patch.timezone = form.timezone;
  const rule = (f: Form) =>
    f.recurrence ? `${buildRule(f.recurrence.fields)}|${f.recurrence.from}` : (f.otherRule ?? '');
  if (rule(form) !== rule(initial)) {
    patch.recurrence = form.recurrence
      ? { rule: buildRule(form.recurrence.fields), from: form.recurrence.from }
      : form.otherRule
        ? task.recurrence
        : null;
  }
  if (JSON.stringify(inputsOf(form.reminders)) !== JSON.stringify(inputsOf(initial.reminders))) {
    patch.reminders = inputsOf(form.reminders);
  }
  return patch;
}

interface Props {
  task: Task;
  knownTags: string[];
  onClose: () => void;
}

/** Everything about one task: title, notes, priority, tags, due date and zone, repeat, reminders. */
export default function TaskPanel({ task, knownTags, onClose }: Props) {
  const id = useId();
  const { update } = useTaskActions();
  const [initial, setInitial] = useState(() => formOf(task));
  const [form, setForm] = useState(initial);
  const [tagText, setTagText] = useState('');
  const titleRef = useRef<HTMLInputElement>(null);
  const set = (patch: Partial<Form>) => setForm((current) => ({ ...current, ...patch }));

  // Another task opened in the panel: start over from it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a different task resets the form
  useEffect(() => {
    const next = formOf(task);
    setInitial(next);
    setForm(next);
    update.reset();
    titleRef.current?.focus();
  }, [task.id]);

  const addTag = (raw: string) => {
    const tag = raw.trim().replace(/^#/, '');
    if (tag && !form.tags.includes(tag)) set({ tags: [...form.tags, tag] });
    setTagText('');
  };
  const dueAt = dueOf(form);
  const dirty = Object.keys(patchOf(task, initial, form)).length > 0;

  return (
    <section className="task-panel" role="dialog" aria-modal="false" aria-labelledby={`${id}-heading`}>
      <form
        className="task-panel__form"
        onSubmit={(event) => {
          event.preventDefault();
          const patch = patchOf(task, initial, form);
          if (Object.keys(patch).length === 0) return onClose();
          update.mutate(
            { id: task.id, patch },
            {
              onSuccess: (saved) => {
                const next = formOf(saved);
                setInitial(next);
                setForm(next);
              },
            },
          );
        }}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.stopPropagation();
            onClose();
          }
        }}
      >
        <header className="task-panel__header">
          <h2 id={`${id}-heading`}>Edit task</h2>
          <button type="button" className="icon-button" aria-label="Close the task panel" onClick={onClose}>
            ×
          </button>
        </header>
        <label className="field">
          <span>Title</span>
          <input
            ref={titleRef}
            type="text"
            required
            maxLength={500}
            value={form.title}
            onChange={(event) => set({ title: event.target.value })}
          />
        </label>
        <label className="field">
          <span>Notes</span>
          <textarea
            rows={3}
            value={form.description}
            onChange={(event) => set({ description: event.target.value })}
          />
        </label>
        <fieldset className="priority-picker">
          <legend>Priority</legend>
          {priorities.map((priority) => (
            <label key={priority} className={`priority-picker__option priority-choice--${priority}`}>
              <input
                type="radio"
                name={`${id}-priority`}
                value={priority}
                checked={form.priority === priority}
                onChange={() => set({ priority })}
              />
              {priorityLabels[priority]}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor={`${id}-tag`}>Tags</label>
          <div className="tag-editor">
            {form.tags.map((tag) => (
              <span key={tag} className="tag tag--editable">
                #{tag}
                <button
                  type="button"
                  aria-label={`Remove tag ${tag}`}
                  onClick={() => set({ tags: form.tags.filter((t) => t !== tag) })}
                >
                  ×
                </button>
              </span>
            ))}
            <input
              id={`${id}-tag`}
              type="text"
              list={`${id}-known-tags`}
              placeholder="Add a tag"
              value={tagText}
              onChange={(event) => setTagText(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' || event.key === ',') {
                  event.preventDefault();
                  addTag(tagText);
                }
              }}
              onBlur={() => tagText && addTag(tagText)}
            />
            <datalist id={`${id}-known-tags`}>
              {knownTags
                .filter((tag) => !form.tags.includes(tag))
                .map((tag) => (
                  <option key={tag} value={tag} />
                ))}
            </datalist>
          </div>
        </div>
        <fieldset className="due-editor">
          <legend>Due</legend>
          <div className="field-row">
            <label className="field">
              <span>Date</span>
              <input
                type="date"
                value={form.dueDate}
                onChange={(event) => set({ dueDate: event.target.value })}
              />
            </label>
            <label className="field">
              <span>Time</span>
              <input
                type="time"
                value={form.dueTime}
                onChange={(event) => set({ dueTime: event.target.value })}
                disabled={!form.dueDate}
              />
            </label>
          </div>
          <label className="field">
            <span>Time zone</span>
            <select value={form.timezone} onChange={(event) => set({ timezone: event.target.value })}>
              {!timeZones.includes(form.timezone) && <option value={form.timezone}>{form.timezone}</option>}
              {timeZones.map((zone) => (
                <option key={zone} value={zone}>
                  {zone.replace(/_/g, ' ')}
                </option>
              ))}
            </select>
          </label>
          {form.dueDate && (
            <button
              type="button"
              className="link-button"
              onClick={() =>
                set({
                  dueDate: '',
                  dueTime: '',
                  recurrence: null,
                  otherRule: null,
                  reminders: form.reminders.filter((r) => r.kind === 'at'),
                })
              }
            >
              Remove the due date
            </button>
          )}
        </fieldset>
        {form.otherRule && !form.recurrence && (
          <p className="hint">
            Repeats by a rule this editor does not show: <code>{form.otherRule}</code>. Choosing a preset
            replaces it.
          </p>
        )}
        <RecurrenceEditor
          value={form.recurrence}
          onChange={(recurrence) => set({ recurrence, otherRule: recurrence ? null : form.otherRule })}
          dueAt={dueAt}
          timezone={form.timezone}
        />
        <RemindersEditor
          drafts={form.reminders}
          onChange={(reminders) => set({ reminders })}
          hasDue={Boolean(dueAt)}
        />
        {update.isError && (
          <p className="form-error" role="alert">
            Not saved: {describeError(update.error)}
          </p>
        )}
        <footer className="task-panel__footer">
          <span className="hint" aria-live="polite">
            {update.isSuccess && !dirty ? 'Saved' : ''}
          </span>
          <button type="button" className="button" onClick={onClose}>
            Close
          </button>
          <button type="submit" className="button button--primary" disabled={!dirty || update.isPending}>
            {update.isPending ? 'Saving…' : 'Save'}
          </button>
        </footer>
      </form>
    </section>
  );
}
