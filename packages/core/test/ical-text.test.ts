import { describe, expect, it } from 'vitest';
import { escapeText, foldLine } from '../src/task/ical.ts';

describe('iCalendar text', () => {
  it('escapes backslash, semicolon, comma and newlines (RFC 5545 §3.3.11)', () => {
    expect(escapeText('a\\b;c,d\ne\r\nf')).toBe('a\\\\b\\;c\\,d\\ne\\nf');
  });

  it('leaves a 75-octet line alone and folds a longer one with CRLF + space', () => {
    const exact = 'x'.repeat(75);
    expect(foldLine(exact)).toBe(exact);
    const folded = foldLine('y'.repeat(160));
    const lines = folded.split('\r\n');
    expect(lines.map((l) => Buffer.byteLength(l))).toEqual([75, 75, 12]);
    expect(lines.slice(1).every((l) => l.startsWith(' '))).toBe(true);
    expect(folded.replace(/\r\n /g, '')).toBe('y'.repeat(160));
  });

  it('never splits a multi-byte character', () => {
    const text = `SUMMARY:${'€'.repeat(40)}`; // 3 octets each
    const folded = foldLine(text);
    for (const line of folded.split('\r\n')) {
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
      expect(line).not.toContain('\uFFFD');
    }
    expect(folded.replace(/\r\n /g, '')).toBe(text);
  });
});
