import { useQueries } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { Task } from '../api/types.ts';
import { dayHeading, dayKey, startOfDay } from '../lib/time.ts';
import { byDue, type Section, upcomingDays } from '../lib/views.ts';
import { useServices } from '../sync/context.tsx';
import { ProjectedRow, TaskRow } from './TaskRow.tsx';

export interface RowHandlers {
  selectedId: string | null;
  onSelect: (id: string) => void;
  onOpen: (id: string) => void;
  onDelete: (task: Task) => void;
}

type Item = { kind: 'task'; task: Task } | { kind: 'projected'; task: Task; at: string };

interface ItemSection {
  key: string;
  title: string;
  items: Item[];
}

function SectionList({ sections, handlers }: { sections: ItemSection[]; handlers: RowHandlers }) {
  return (
    <div className="task-list">
      {sections.map((section) => (
        <section key={section.key} aria-labelledby={`section-${section.key}`} className="task-section">
          <h2 id={`section-${section.key}`} className="task-section__title">
            {section.title}
            <span className="task-section__count">{section.items.length}</span>
          </h2>
          <ul className="task-section__rows">
            {section.items.map((item) =>
              item.kind === 'task' ? (
                <TaskRow
                  key={item.task.id}
                  task={item.task}
                  selected={handlers.selectedId === item.task.id}
                  onSelect={handlers.onSelect}
                  onOpen={handlers.onOpen}
                  onDelete={handlers.onDelete}
                />
              ) : (
                <ProjectedRow key={`${item.task.id}-${item.at}`} task={item.task} at={item.at} />
              ),
            )}
          </ul>
        </section>
      ))}
    </div>
  );
}

/** Lists of real tasks under headings (Today, Inbox, Completed). */
export function TaskList({
  sections,
  handlers,
  empty,
}: {
  sections: Section[];
  handlers: RowHandlers;
  empty: ReactNode;
}) {
  if (sections.every((section) => section.tasks.length === 0)) return <>{empty}</>;
  return (
    <SectionList
      handlers={handlers}
      sections={sections.map((s) => ({
        key: s.key,
        title: s.title,
        items: s.tasks.map((task) => ({ kind: 'task' as const, task })),
      }))}
    />
  );
}

/**
 * The next 14 days by day, with the future occurrences of recurring series (from the server's
 * recurrence preview) shown as projected: they exist once the current occurrence is completed.
 */
export function UpcomingList({
  tasks,
  handlers,
  empty,
}: {
  tasks: Task[];
  handlers: RowHandlers;
  empty: ReactNode;
}) {
  const { api } = useServices();
  const now = new Date();
  const start = startOfDay(now).getTime();
  const end = startOfDay(now, upcomingDays).getTime();
  const inWindow = (iso: string) => {
    const time = Date.parse(iso);
    return time >= start && time < end;
  };
  const open = tasks.filter((task) => task.status === 'open' && task.due_at);
  const series = open.filter(
    (task) => task.recurrence && task.recurrence.from === 'due' && Date.parse(task.due_at!) < end,
  );
  const previews = useQueries({
    queries: series.map((task) => ({
      queryKey: ['recurrence-preview', task.recurrence!.rule, task.due_at, task.timezone, 32],
      queryFn: () =>
        api.post<{ occurrences: string[] }>('/api/recurrence/preview', {
          rule: task.recurrence!.rule,
          dtstart: task.due_at,
          timezone: task.timezone,
          count: 32,
        }),
      staleTime: Number.POSITIVE_INFINITY,
    })),
  });
  const days = new Map<string, ItemSection>();
  for (let offset = 0; offset < upcomingDays; offset++) {
    const day = startOfDay(now, offset);
    days.set(dayKey(day), { key: dayKey(day), title: dayHeading(day, now), items: [] });
  }
  for (const task of open.sort(byDue)) {
    if (inWindow(task.due_at!)) days.get(dayKey(new Date(task.due_at!)))?.items.push({ kind: 'task', task });
  }
  series.forEach((task, index) => {
    for (const at of previews[index]?.data?.occurrences ?? []) {
      if (Date.parse(at) <= Date.parse(task.due_at!) || !inWindow(at)) continue;
      days.get(dayKey(new Date(at)))?.items.push({ kind: 'projected', task, at });
    }
  });
  const sections = [...days.values()].filter((section) => section.items.length > 0);
  for (const section of sections) {
    section.items.sort((a, b) => {
      const at = (item: Item) => (item.kind === 'task' ? item.task.due_at! : item.at);
      return at(a).localeCompare(at(b));
    });
  }
  if (sections.length === 0) return <>{empty}</>;
  return <SectionList sections={sections} handlers={handlers} />;
}
