import { parseGoDuration } from './duration.ts';

/** When a cron binding fires next, given the previous firing (or the start) time. */
export interface Schedule {
  readonly description: string;
  next(after: Date): Date;
}

/**
 * Parses the `schedule` of a Dapr cron binding: `@every <duration>`, `@hourly`/`@daily` (which,
 * like Dapr, run at that period from start), or a cron expression with 6 fields (seconds first,
 * as in Dapr's docs) or the classic 5, evaluated in UTC. Throws with the reason otherwise.
 */
export function parseSchedule(text: string): Schedule {
  const spec = text.trim();
  const every = /^@every\s+(\S+)$/.exec(spec);
  if (every) {
    const ms = parseGoDuration(every[1]!);
    if (ms === undefined || ms <= 0)
      throw new Error(`schedule "${spec}": "${every[1]}" is not a positive duration`);
    return interval(spec, ms);
  }
  if (spec === '@hourly') return interval(spec, 3_600_000);
  if (spec === '@daily' || spec === '@midnight') return interval(spec, 86_400_000);
  if (spec.startsWith('@') || spec.startsWith('CRON_TZ=') || spec.startsWith('TZ=')) {
    throw new Error(
      `schedule "${spec}": the local stack supports @every <duration>, @hourly, @daily and UTC cron fields`,
    );
  }
  return cronSchedule(spec);
}

function interval(description: string, ms: number): Schedule {
  return { description, next: (after) => new Date(after.getTime() + ms) };
}

interface Field {
  name: string;
  min: number;
  max: number;
}

const fields: Field[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
];

function parseField(text: string, field: Field, spec: string): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  const fail = () => new Error(`schedule "${spec}": invalid ${field.name} "${text}"`);
  for (const part of text.split(',')) {
    const match = /^(\*|\?|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) throw fail();
    const whole = match[1] === '*' || match[1] === '?';
    const from = whole ? field.min : Number(match[2]);
    const to = whole ? field.max : match[3] !== undefined ? Number(match[3]) : match[4] ? field.max : from;
    const step = match[4] ? Number(match[4]) : 1;
    if (from < field.min || to > field.max || from > to || step < 1) throw fail();
    for (let value = from; value <= to; value += step) values.add(value);
  }
  if (field.name === 'day of week' && values.delete(7)) values.add(0);
  return { values, star: text === '*' || text === '?' };
}

function cronSchedule(spec: string): Schedule {
  const parts = spec.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    throw new Error(`schedule "${spec}": expected 5 or 6 cron fields, got ${parts.length}`);
  }
  const withSeconds = parts.length === 6 ? parts : ['0', ...parts];
  const [second, minute, hour, dom, month, dow] = withSeconds.map((part, index) =>
    parseField(part, fields[index]!, spec),
  ) as [ReturnType<typeof parseField>, ...ReturnType<typeof parseField>[]];
  const dayMatches = (date: Date) => {
    const domOk = dom!.values.has(date.getUTCDate());
    const dowOk = dow!.values.has(date.getUTCDay());
    // Vixie cron (and robfig/cron, which Dapr uses): when both are restricted, either may match.
    if (dom!.star || dow!.star) return domOk && dowOk;
    return domOk || dowOk;
  };
  return {
    description: spec,
    next(after) {
      const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
      // Each step jumps to the start of the next candidate unit, so this ends quickly; five years
      // bounds impossible dates such as 30 February.
      const limit = after.getTime() + 5 * 366 * 86_400_000;
      while (t.getTime() <= limit) {
        if (!month!.values.has(t.getUTCMonth() + 1)) {
          t.setUTCMonth(t.getUTCMonth() + 1, 1);
          t.setUTCHours(0, 0, 0, 0);
        } else if (!dayMatches(t)) {
          t.setUTCDate(t.getUTCDate() + 1);
          t.setUTCHours(0, 0, 0, 0);
        } else if (!hour!.values.has(t.getUTCHours())) {
          t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
        } else if (!minute!.values.has(t.getUTCMinutes())) {
          t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
        } else if (!second.values.has(t.getUTCSeconds())) {
          t.setUTCSeconds(t.getUTCSeconds() + 1, 0);
        } else {
          return t;
        }
      }
      throw new Error(`schedule "${spec}" never fires`);
    },
  };
}
