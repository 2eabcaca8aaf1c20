const levelNames: Record<string, string> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO ',
  warn: 'WARN ',
  error: 'ERROR',
  fatal: 'FATAL',
};
const colors = ['36', '35', '33', '32', '34', '96', '95'];
const hidden = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

/** A per-process prefix, coloured when the terminal supports it. */
export function prefixFor(name: string, index: number, color: boolean, width = 17): string {
  const label = `[${name}]`.padEnd(width + 2);
  return color ? `\x1b[${colors[index % colors.length]}m${label}\x1b[0m` : label;
}

function compact(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/**
 * Makes one line of a child's output readable: pino JSON becomes `12:00:01 INFO  message key=value`,
 * anything else is passed through unchanged.
 */
export function formatLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof record.msg !== 'string' && typeof record.level !== 'string') return line;
  const time =
    typeof record.time === 'string' ? record.time.slice(11, 23) : new Date().toISOString().slice(11, 23);
  const level = levelNames[String(record.level)] ?? String(record.level ?? '').toUpperCase();
  const extras = Object.entries(record)
    .filter(([key, value]) => !hidden.has(key) && value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${compact(value)}`)
    .join(' ');
  const text = `${time} ${level} ${String(record.msg ?? '')}${extras ? `  ${extras}` : ''}`;
  return text.length > 400 ? `${text.slice(0, 397)}...` : text;
}
