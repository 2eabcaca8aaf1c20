// Which tasks each view shows, from the synced task list. Pure functions of (tasks, now).
import { type Priority, priorities, type Task } from '../api/types.ts';
import { startOfDay } from './time.ts';

export const viewNames = ['today', 'upcoming', 'inbox', 'completed'] as const;
export type ViewName = (typeof viewNames)[number];

export const viewTitles: Record<ViewName, string> = {
  today: 'Today',
  upcoming: 'Upcoming',
  inbox: 'Inbox',
  completed: 'Completed',
};

export interface Filters {
  text: string;
  tag: string;
  priority: Priority | '';
}

export const noFilters: Filters = { text: '', tag: '', priority: '' };

const rank = (priority: Priority) => priorities.indexOf(priority);
const dueTime = (task: Task) => (task.due_at ? Date.parse(task.due_at) : Number.POSITIVE_INFINITY);

/** Due first (earliest first), then priority, then newest. */
export function byDue(a: Task, b: Task): number {
  return (
    dueTime(a) - dueTime(b) || rank(a.priority) - rank(b.priority) || b.created_at.localeCompare(a.created_at)
  );
}

export function matches(task: Task, filters: Filters): boolean {
  if (filters.priority && task.priority !== filters.priority) return false;
  if (filters.tag && !task.tags.includes(filters.tag)) return false;
  if (filters.text) {
    const needle = filters.text.toLocaleLowerCase();
    const haystack = `${task.title}\n${task.description ?? ''}`.toLocaleLowerCase();
    if (!haystack.includes(needle)) return false;
  }
  return true;
}

export interface Section {
  key: string;
  title: string;
  tasks: Task[];
}

/** Today: overdue (due before today) first, then due today — open tasks, in the user's zone. */
export function todaySections(tasks: Iterable<Task>, now: Date): Section[] {
  const start = startOfDay(now).getTime();
  const end = startOfDay(now, 1).getTime();
  const overdue: Task[] = [];
  const today: Task[] = [];
  for (const task of tasks) {
    if (task.status !== 'open' || !task.due_at) continue;
    const due = Date.parse(task.due_at);
    if (due < start) overdue.push(task);
    else if (due < end) today.push(task);
  }
  return [
    { key: 'overdue', title: 'Overdue', tasks: overdue.sort(byDue) },
    { key: 'today', title: 'Today', tasks: today.sort(byDue) },
  ].filter((section) => section.tasks.length > 0);
}

export const upcomingDays = 14;

export function inboxTasks(tasks: Iterable<Task>): Task[] {
  return [...tasks].filter((task) => task.status === 'open').sort(byDue);
}

export function completedTasks(tasks: Iterable<Task>): Task[] {
  return [...tasks]
    .filter((task) => task.status === 'completed')
    .sort((a, b) => (b.completed_at ?? '').localeCompare(a.completed_at ?? ''));
}

/** Every tag in use, for filters and completion in the task panel. */
export function allTags(tasks: Iterable<Task>): string[] {
  const tags = new Set<string>();
  for (const task of tasks) for (const tag of task.tags) tags.add(tag);
  return [...tags].sort((a, b) => a.localeCompare(b));
}
