import type { z } from 'zod';
import { AppError, type ErrorDetail } from './app-error.ts';

/** Turns zod issues into `{path, message}` details with dotted paths (`reminders.0.before`). */
export function zodDetails(error: z.ZodError, prefix?: string): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path:
      [prefix, ...issue.path.map(String)].filter((part) => part !== undefined && part !== '').join('.') ||
      '(root)',
    message: issue.message,
  }));
}

/** Parses with a zod schema or throws `validation_failed` naming every offending field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = zodDetails(result.error, prefix);
  const first = details[0];
  const message = first ? `${first.path}: ${first.message}` : 'invalid input';
  throw new AppError('validation_failed', message, { details });
}
