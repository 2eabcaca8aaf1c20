import { useState } from 'react';
import { describeError } from '../api/client.ts';
import { type Priority, priorities, type Task, type TaskPatch } from '../api/types.ts';
import { dueLabel, formatTime, startOfDay, wallTime, zonedInstant } from '../lib/time.ts';
import { useTaskActions } from '../sync/context.tsx';

export const priorityLabels: Record<Priority, string> = {
  urgent: 'Urgent',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
};

/** A new due date from the list: the same time of day (09:00 for a task without one) on `day`. */
function moveDue(task: Task, day: Date | null): TaskPatch {
  if (!day) {
    // Without a due date, relative reminders and a recurrence have nothing to hang on.
    return {
      due_at: null,
      recurrence: null,
      reminders: task.reminders
        .filter((r) => !r.before && r.status === 'pending')
        .map((r) => ({ at: r.remind_at })),
    };
  }
  const time = task.due_at ? wallTime(task.due_at, task.timezone).time : '09:00';
  const date = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
  return { due_at: zonedInstant(date, time, task.timezone) };
}

interface TaskRowProps {
  task: Task;
  selected: boolean;
  onSelect: (id: string) => void;
  onOpen: (id: string) => void;
  onDelete: (task: Task) => void;
}

export function TaskRow({ task, selected, onSelect, onOpen, onDelete }: TaskRowProps) {
  const { complete, reopen, update } = useTaskActions();
  const [menuOpen, setMenuOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const done = task.status === 'completed';
  const due = task.due_at ? dueLabel(task.due_at) : null;
  const onError = (e: unknown) => setError(describeError(e));
  const change = (patch: TaskPatch) => {
    setMenuOpen(false);
    update.mutate({ id: task.id, patch }, { onError, onSuccess: () => setError(null) });
  };
  const toggle = () => {
    setError(null);
    (done ? reopen : complete).mutate(task.id, { onError });
  };
  const today = startOfDay(new Date());
  const pendingReminders = task.reminders.filter((r) => r.status === 'pending').length;

  return (
    <li
      className={`task-row priority-${task.priority}${done ? ' task-row--done' : ''}${selected ? ' task-row--selected' : ''}`}
      data-task-id={task.id}
      tabIndex={selected ? 0 : -1}
      aria-label={task.title}
      onFocus={(event) => {
        if (event.target === event.currentTarget) onSelect(task.id);
      }}
    >
      <button
        type="button"
        className="task-row__check"
        aria-pressed={done}
        aria-label={done ? `Reopen “${task.title}”` : `Complete “${task.title}”`}
        onClick={toggle}
      />
      <div className="task-row__body">
        <button
          type="button"
          className="task-row__title"
          onClick={() => {
            onSelect(task.id);
            onOpen(task.id);
          }}
        >
          {task.title}
        </button>
        <div className="task-row__meta">
          {due && <span className={`due due--${done ? 'later' : due.tone}`}>{due.text}</span>}
          {done && task.completed_at && (
            <span className="meta">Done {dueLabel(task.completed_at).text.replace(/^Overdue · /, '')}</span>
          )}
          {task.recurrence && (
            <span className="meta" title="Repeats">
              <span aria-hidden="true">↻</span>
              <span className="visually-hidden">Repeats</span>
            </span>
          )}
          {pendingReminders > 0 && (
            <span className="meta" title={`${pendingReminders} reminder(s)`}>
              <svg className="meta__icon" viewBox="0 0 24 24" aria-hidden="true">
                <path d="M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15zM10 20h4" />
              </svg>
              <span className="visually-hidden">{pendingReminders} reminders</span>
            </span>
          )}
          {task.priority !== 'medium' && (
            <span className={`badge badge--${task.priority}`}>{priorityLabels[task.priority]}</span>
          )}
          {task.tags.map((tag) => (
            <span key={tag} className="tag">
              #{tag}
            </span>
          ))}
        </div>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </div>
      <div className="task-row__actions">
        <button
          type="button"
          className="icon-button"
          aria-label={`More actions for “${task.title}”`}
          aria-expanded={menuOpen}
          onClick={() => setMenuOpen((open) => !open)}
        >
          ⋯
        </button>
        {menuOpen && (
          <fieldset
            className="menu"
            onKeyDown={(event) => {
              if (event.key === 'Escape') setMenuOpen(false);
            }}
          >
            <legend className="visually-hidden">Actions for “{task.title}”</legend>
            <p className="menu__label">Due</p>
            <div className="menu__row">
              <button type="button" onClick={() => change(moveDue(task, today))}>
                Today
              </button>
              <button type="button" onClick={() => change(moveDue(task, startOfDay(today, 1)))}>
                Tomorrow
              </button>
              <button type="button" onClick={() => change(moveDue(task, startOfDay(today, 7)))}>
                Next week
              </button>
              {task.due_at && (
                <button type="button" onClick={() => change(moveDue(task, null))}>
                  No date
                </button>
              )}
            </div>
            <p className="menu__label">Priority</p>
            <div className="menu__row">
              {priorities.map((priority) => (
                <button
                  key={priority}
                  type="button"
                  aria-pressed={task.priority === priority}
                  className={`priority-choice priority-choice--${priority}`}
                  onClick={() => change({ priority })}
                >
                  {priorityLabels[priority]}
                </button>
              ))}
            </div>
            <div className="menu__row">
              <button
                type="button"
                className="danger"
                onClick={() => {
                  setMenuOpen(false);
                  onDelete(task);
                }}
              >
                Delete
              </button>
            </div>
          </fieldset>
        )}
      </div>
    </li>
  );
}

/** A future occurrence of a recurring series, computed by the server's recurrence preview. */
export function ProjectedRow({ task, at }: { task: Task; at: string }) {
  return (
    <li className={`task-row task-row--projected priority-${task.priority}`}>
      <span className="task-row__check task-row__check--projected" aria-hidden="true" />
      <div className="task-row__body">
        <span className="task-row__title task-row__title--static">{task.title}</span>
        <div className="task-row__meta">
          <span className="due due--later">{formatTime(new Date(at))}</span>
          <span className="meta projected-label">↻ projected</span>
        </div>
      </div>
    </li>
  );
}
