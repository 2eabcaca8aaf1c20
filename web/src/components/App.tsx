import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { describeError } from '../api/client.ts';
import { priorities, type Task } from '../api/types.ts';
import {
  allTags,
  completedTasks,
  type Filters,
  inboxTasks,
  matches,
  noFilters,
  type Section,
  todaySections,
  type ViewName,
  viewNames,
  viewTitles,
} from '../lib/views.ts';
import { useTaskActions, useTasks } from '../sync/context.tsx';
import type { LiveState } from '../sync/engine.ts';
import { EmptyState } from './EmptyState.tsx';
import { OfflineBanner } from './OfflineBanner.tsx';
import { QuickAdd } from './QuickAdd.tsx';
import { ShortcutsDialog } from './ShortcutsDialog.tsx';
import { Sidebar } from './Sidebar.tsx';
import { TaskList, UpcomingList } from './TaskList.tsx';
import { priorityLabels } from './TaskRow.tsx';

// The panel (with the recurrence and reminders editors) loads when first opened.
const TaskPanel = lazy(() => import('./TaskPanel.tsx'));

const firstListMark = 'nudge:first-list';

function viewFromPath(): ViewName {
  const name = window.location.pathname.slice(1) as ViewName;
  return viewNames.includes(name) ? name : 'today';
}

const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

interface Props {
  user: string;
  live: LiveState;
  offline: boolean;
  onSignOut: () => void;
}

export function App({ user, live, offline, onSignOut }: Props) {
  const { tasks, isPending, isError, error, refetch } = useTasks();
  const { remove } = useTaskActions();
  const [view, setView] = useState<ViewName>(viewFromPath);
  const [filters, setFilters] = useState<Filters>(noFilters);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [panelId, setPanelId] = useState<string | null>(null);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  const [deleted, setDeleted] = useState<{ task: Task; timer: ReturnType<typeof setTimeout> } | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const quickAddRef = useRef<HTMLInputElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const mainRef = useRef<HTMLElement>(null);

  useEffect(() => {
    const onPop = () => setView(viewFromPath());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  useEffect(() => {
    document.title = `${viewTitles[view]} · Nudge`;
  }, [view]);
  // User Timing: when the first list is on screen (after React committed it). `npm run bench`
  // reads it as "first load to interactive"; DevTools' performance panel shows it too.
  useEffect(() => {
    if (!isPending && performance.getEntriesByName(firstListMark).length === 0) {
      performance.mark(firstListMark);
    }
  }, [isPending]);

  const navigate = (next: ViewName) => {
    if (next !== view) history.pushState(null, '', `/${next}`);
    setView(next);
    setSelectedId(null);
  };

  const visible = useMemo(
    () => [...tasks.values()].filter((task) => task.id !== deleted?.task.id && matches(task, filters)),
    [tasks, deleted, filters],
  );
  const tags = useMemo(() => allTags(tasks.values()), [tasks]);
  const now = new Date();
  const counts: Record<ViewName, number> = {
    today: todaySections(tasks.values(), now).reduce((n, s) => n + s.tasks.length, 0),
    upcoming: 0,
    inbox: inboxTasks(tasks.values()).length,
    completed: 0,
  };
  const sections: Section[] =
    view === 'today'
      ? todaySections(visible, now)
      : view === 'inbox'
        ? [{ key: 'inbox', title: 'All open tasks', tasks: inboxTasks(visible) }]
        : view === 'completed'
          ? [{ key: 'completed', title: 'Completed', tasks: completedTasks(visible) }]
          : [];

  /** Delete now in the list; the request goes out when the undo window closes. */
  const deleteWithUndo = useCallback(
    (task: Task) => {
      if (deleted) {
        clearTimeout(deleted.timer);
        remove.mutate(deleted.task.id, { onError: (e) => setDeleteError(describeError(e)) });
      }
      const timer = setTimeout(() => {
        remove.mutate(task.id, { onError: (e) => setDeleteError(describeError(e)) });
        setDeleted(null);
      }, 6_000);
      setDeleted({ task, timer });
      if (panelId === task.id) setPanelId(null);
    },
    [deleted, remove, panelId],
  );

  // Keyboard: q add, / search, j/k move, x complete, e edit, ? shortcuts.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.metaKey || event.ctrlKey || event.altKey || typing(event.target)) return;
      const rows = [...(mainRef.current?.querySelectorAll<HTMLElement>('li.task-row[data-task-id]') ?? [])];
      const index = rows.findIndex((row) => row.dataset.taskId === selectedId);
      const focusRow = (row: HTMLElement | undefined) => {
        if (!row) return;
        setSelectedId(row.dataset.taskId ?? null);
        row.focus();
      };
      const selected = index >= 0 ? rows[index] : undefined;
      switch (event.key) {
        case 'q':
          event.preventDefault();
          quickAddRef.current?.focus();
          break;
        case '/':
          event.preventDefault();
          searchRef.current?.focus();
          break;
        case 'j':
          focusRow(rows[Math.min(index + 1, rows.length - 1)]);
          break;
        case 'k':
          focusRow(rows[Math.max(index - 1, 0)]);
          break;
        case 'x':
          selected?.querySelector<HTMLButtonElement>('.task-row__check')?.click();
          break;
        case 'e':
        case 'Enter':
          if (selected && event.target === selected) {
            event.preventDefault();
            setPanelId(selected.dataset.taskId ?? null);
          }
          break;
        case '?':
          setShortcutsOpen(true);
          break;
        case 'Escape':
          setPanelId(null);
          break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [selectedId]);

  const handlers = { selectedId, onSelect: setSelectedId, onOpen: setPanelId, onDelete: deleteWithUndo };
  const filtering = filters !== noFilters && (filters.text || filters.tag || filters.priority);
  const empty = filtering ? (
    <EmptyState title="Nothing matches">Change the search or clear the filters.</EmptyState>
  ) : view === 'today' ? (
    <EmptyState title="Nothing due today">
      Enjoy the calm. Add something with <kbd>q</kbd>, e.g. “Call mum tomorrow 6pm”.
    </EmptyState>
  ) : view === 'upcoming' ? (
    <EmptyState title="The next two weeks are free">
      Tasks with a due date in the next 14 days show up here.
    </EmptyState>
  ) : view === 'inbox' ? (
    <EmptyState title="No open tasks">
      Type a task above and press Enter. Dates, #tags and p1–p4 are understood.
    </EmptyState>
  ) : (
    <EmptyState title="Nothing completed yet">Tick off a task and it lands here.</EmptyState>
  );
  const panelTask = panelId ? tasks.get(panelId) : undefined;

  return (
    <div className={`layout${panelTask ? ' layout--panel' : ''}`}>
      <a href="#main" className="skip-link">
        Skip to the tasks
      </a>
      <Sidebar
        view={view}
        counts={counts}
        onNavigate={navigate}
        user={user}
        live={live}
        onSignOut={onSignOut}
        onShortcuts={() => setShortcutsOpen(true)}
      />
      <main id="main" ref={mainRef} className="main" tabIndex={-1}>
        <OfflineBanner offline={offline} />
        <header className="main__header">
          <h1>{viewTitles[view]}</h1>
          <search className="filters" aria-label="Search and filter">
            <input
              ref={searchRef}
              type="search"
              className="filters__search"
              placeholder="Search  /"
              aria-label="Search tasks"
              value={filters.text}
              onChange={(event) => setFilters({ ...filters, text: event.target.value })}
              onKeyDown={(event) => {
                if (event.key === 'Escape') event.currentTarget.blur();
              }}
            />
            <select
              aria-label="Filter by tag"
              value={filters.tag}
              onChange={(event) => setFilters({ ...filters, tag: event.target.value })}
            >
              <option value="">All tags</option>
              {tags.map((tag) => (
                <option key={tag} value={tag}>
                  #{tag}
                </option>
              ))}
            </select>
            <select
              aria-label="Filter by priority"
              value={filters.priority}
              onChange={(event) =>
                setFilters({ ...filters, priority: event.target.value as Filters['priority'] })
              }
            >
              <option value="">Any priority</option>
              {priorities.map((priority) => (
                <option key={priority} value={priority}>
                  {priorityLabels[priority]}
                </option>
              ))}
            </select>
          </search>
        </header>
        <QuickAdd ref={quickAddRef} />
        {isPending ? (
          <p className="loading" role="status">
            Loading your tasks…
          </p>
        ) : isError && tasks.size === 0 ? (
          <div className="form-error" role="alert">
            <p>Could not load your tasks: {describeError(error)}</p>
            <button type="button" className="button" onClick={() => void refetch()}>
              Try again
            </button>
          </div>
        ) : view === 'upcoming' ? (
          <UpcomingList tasks={visible} handlers={handlers} empty={empty} />
        ) : (
          <TaskList sections={sections} handlers={handlers} empty={empty} />
        )}
      </main>
      {panelTask && (
        <Suspense fallback={<div className="task-panel task-panel--loading">Loading…</div>}>
          <TaskPanel task={panelTask} knownTags={tags} onClose={() => setPanelId(null)} />
        </Suspense>
      )}
      <div className="toasts" aria-live="polite">
        {deleted && (
          <div className="toast">
            <span>Deleted “{deleted.task.title}”</span>
            <button
              type="button"
              className="link-button"
              onClick={() => {
                clearTimeout(deleted.timer);
                setDeleted(null);
              }}
            >
              Undo
            </button>
          </div>
        )}
        {deleteError && (
          <div className="toast toast--error" role="alert">
            <span>Could not delete: {deleteError}</span>
            <button type="button" className="link-button" onClick={() => setDeleteError(null)}>
              Dismiss
            </button>
          </div>
        )}
      </div>
      <ShortcutsDialog open={shortcutsOpen} onClose={() => setShortcutsOpen(false)} />
    </div>
  );
}
