// The shapes task-api answers (packages/core/src/task/view.ts, docs/api.md). Types only: the
// server validates; the app shows what it gets.

export const priorities = ['urgent', 'high', 'medium', 'low'] as const;
export type Priority = (typeof priorities)[number];

export type ReminderStatus = 'pending' | 'sent' | 'cancelled' | 'failed' | 'skipped';

export interface Reminder {
  id: string;
  before: string | null;
  remind_at: string;
  status: ReminderStatus;
  sent_at: string | null;
}

export interface Recurrence {
  rule: string;
  from: 'due' | 'completion';
}

export interface Task {
  id: string;
  title: string;
  description: string | null;
  priority: Priority;
  tags: string[];
  status: 'open' | 'completed';
  completed_at: string | null;
  due_at: string | null;
  timezone: string;
  recurrence: Recurrence | null;
  parent_task_id: string | null;
  reminders: Reminder[];
  created_at: string;
  updated_at: string;
}

export type ReminderInput = { before: string } | { at: string };

/** A PATCH /api/tasks/{id} body: any writable field. */
export interface TaskPatch {
  title?: string;
  description?: string | null;
  priority?: Priority;
  tags?: string[];
  due_at?: string | null;
  timezone?: string;
  recurrence?: Recurrence | null;
  reminders?: ReminderInput[];
}

export type TokenKind = 'date' | 'recurrence' | 'priority' | 'tag' | 'reminder';

export interface ParseToken {
  start: number;
  end: number;
  kind: TokenKind;
  value: string;
}

export interface ParseResult {
  draft: Record<string, unknown> & { title: string };
  tokens: ParseToken[];
}

export interface ErrorDetail {
  path: string;
  message: string;
}
