import rrulePackage from 'rrule';
import { AppError } from '../errors/app-error.ts';

// rrule ships a UMD bundle as `main`: Node's ESM loader cannot see its named exports, so take them from the default.
const { Frequency, RRule } = rrulePackage;

const shorthands: Record<string, string> = {
  daily: 'FREQ=DAILY',
  weekly: 'FREQ=WEEKLY',
  monthly: 'FREQ=MONTHLY',
  yearly: 'FREQ=YEARLY',
};

/** A parsed rule: rrule's options plus whether UNTIL was an absolute UTC instant (`...Z`) or local time. */
export interface ParsedRule {
  rule: string;
  options: Partial<import('rrule').Options>;
  untilIsUtc: boolean;
}

function invalid(path: string, message: string): AppError {
  return new AppError('validation_failed', `${path}: ${message}`, { details: [{ path, message }] });
}

/**
 * Accepts an RFC 5545 RRULE (with or without `RRULE:`) or a shorthand and returns it parsed and
 * normalised (`RRULE:FREQ=DAILY;INTERVAL=2`). DTSTART and TZID belong to the task, not the rule.
 */
export function parseRule(input: string, path = 'recurrence.rule'): ParsedRule {
  const trimmed = input.trim();
  const body = shorthands[trimmed.toLowerCase()] ?? trimmed.replace(/^RRULE:/i, '');
  if (!/^[A-Z]+=/i.test(body) || /[\r\n]/.test(body))
    throw invalid(path, 'must be an RRULE like FREQ=DAILY or one of daily, weekly, monthly, yearly');
  if (/(^|;)(DTSTART|TZID)=/i.test(body))
    throw invalid(path, 'DTSTART and TZID come from the task (due_at, timezone), not the rule');
  let options: Partial<import('rrule').Options>;
  try {
    options = RRule.parseString(body.toUpperCase());
  } catch (error) {
    throw invalid(path, `invalid RRULE (${error instanceof Error ? error.message : 'unparseable'})`);
  }
  if (options.freq === undefined) throw invalid(path, 'FREQ is required');
  if (options.freq === Frequency.MINUTELY || options.freq === Frequency.SECONDLY) {
    throw invalid(path, 'FREQ finer than HOURLY is not supported');
  }
  if (options.count !== undefined && options.count !== null && options.until) {
    throw invalid(path, 'COUNT and UNTIL cannot both be given');
  }
  if (options.interval !== undefined && (options.interval < 1 || !Number.isInteger(options.interval))) {
    throw invalid(path, 'INTERVAL must be a positive integer');
  }
  const untilIsUtc = /(^|;)UNTIL=\d{8}T\d{6}Z/i.test(body);
  let rule: string;
  try {
    rule = RRule.optionsToString(options);
    new RRule(options).after(new Date(0)); // surface option combinations rrule cannot evaluate
  } catch (error) {
    throw invalid(path, `invalid RRULE (${error instanceof Error ? error.message : 'unsupported'})`);
  }
  if (!rule.startsWith('RRULE:')) rule = `RRULE:${rule}`;
  return { rule, options, untilIsUtc };
}

/** Normalised form of a rule, e.g. `daily` → `RRULE:FREQ=DAILY`. */
export function normalizeRule(input: string, path?: string): string {
  return parseRule(input, path).rule;
}
