import type { Priority } from '../db/database.ts';
import type { Span } from './spans.ts';

/** `p1`–`p4` as Todoist users write them. */
const PRIORITIES: Record<string, Priority> = { '1': 'urgent', '2': 'high', '3': 'medium', '4': 'low' };

// A marker is a word of its own: whitespace (or the start) before, whitespace, punctuation or the end after.
const PRIORITY = /(?<!\S)p([1-4])(?=$|[\s.,;:!?)])/giu;
// Unicode letters with their combining marks, digits, `-` and `_`.
const TAG = /(?<!\S)#([\p{L}\p{M}\p{N}_-]+)/gu;

/** The limits of createTaskSchema: longer tags, or tags past the 20th, stay in the title. */
const MAX_TAG_LENGTH = 50;
const MAX_TAGS = 20;

export interface PriorityMarker extends Span {
  priority: Priority;
  label: string;
}

export interface TagMarker extends Span {
  tag: string;
}

/** The last priority marker in the text: a later `p2` overrides an earlier `p1`. */
export function findPriority(masked: string): PriorityMarker | null {
  const matches = [...masked.matchAll(PRIORITY)];
  const last = matches.at(-1);
  if (!last) return null;
  const digit = last[1] as string;
  const priority = PRIORITIES[digit] as Priority;
  return { start: last.index, end: last.index + last[0].length, priority, label: `p${digit} · ${priority}` };
}

/** `#tags`, at most 20 distinct ones of up to 50 characters; a repeated tag is recognised every time. */
export function findTags(masked: string): TagMarker[] {
  const seen = new Set<string>();
  const tags: TagMarker[] = [];
  for (const match of masked.matchAll(TAG)) {
    const tag = match[1] as string;
    if (tag.length > MAX_TAG_LENGTH) continue;
    if (!seen.has(tag)) {
      if (seen.size === MAX_TAGS) continue;
      seen.add(tag);
    }
    tags.push({ start: match.index, end: match.index + match[0].length, tag });
  }
  return tags;
}
