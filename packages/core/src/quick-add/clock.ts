import type { TimeOfDay } from './zone-context.ts';

/**
 * A time of day as written after "at": `8am`, `8:30 pm`, `14:30`, `8`, `noon`, `midnight`.
 * Groups: hour, minute, meridiem, word. Without a meridiem the hour is on the 24-hour clock.
 */
export const CLOCK = '(?:(\\d{1,2})(?::([0-5]\\d))?\\s*(am|pm|a\\.m\\.|p\\.m\\.)?|(noon|midnight))';

/** The time a CLOCK match names, or null for an impossible one (`13pm`, `25:00`). */
export function clockTime(groups: readonly (string | undefined)[]): TimeOfDay | null {
  const [hourText, minuteText, meridiem, word] = groups;
  if (word) return { hour: word.toLowerCase() === 'noon' ? 12 : 0, minute: 0 };
  let hour = Number.parseInt(hourText ?? '', 10);
  const minute = minuteText ? Number.parseInt(minuteText, 10) : 0;
  if (meridiem) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (meridiem.toLowerCase().startsWith('p') ? 12 : 0);
  }
  return hour <= 23 ? { hour, minute } : null;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `07:30`. */
export const formatClock = ({ hour, minute }: TimeOfDay) => `${pad(hour)}:${pad(minute)}`;
