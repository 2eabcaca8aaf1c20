import { z } from 'zod';

/** What a quick-add phrase was recognised as: the chip's kind. */
export const quickAddTokenKindSchema = z.enum(['date', 'recurrence', 'priority', 'tag', 'reminder']);

/**
 * The line a user typed, as every quick-add edge (REST, MCP) accepts it. Not trimmed: token
 * offsets point into the text exactly as sent. Capped at 1,000 characters so one request cannot
 * make the parser scan without bound; blank text has nothing to make a title of. (U+0000 is
 * allowed here: the parser drops it from the title.)
 */
export const quickAddTextSchema = z
  .string()
  .max(1_000)
  .refine((text) => text.trim() !== '', { error: 'must not be blank' });

/** A recognised phrase as `POST /api/tasks/parse` answers it. */
export const quickAddTokenSchema = z.object({
  start: z.number().int().min(0).describe('UTF-16 offset into text'),
  end: z.number().int().min(0).describe('UTF-16 offset into text, exclusive'),
  kind: quickAddTokenKindSchema,
  value: z.string().describe('a short label for the chip'),
});
