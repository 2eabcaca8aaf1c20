/** A range of the input text in UTF-16 code units, end exclusive. */
export interface Span {
  start: number;
  end: number;
}

/**
 * Stands in for text a later pass must not read (quoted text, phrases already recognised). It is
 * neither a letter nor whitespace, so patterns see a word boundary and chrono cannot join words
 * across it, and it keeps every offset equal to the original text's.
 */
export const MASK = '\uFFFC';

/** `text` with every span replaced by MASK characters of the same length. */
export function mask(text: string, spans: readonly Span[]): string {
  if (spans.length === 0) return text;
  const chars = text.split('');
  for (const { start, end } of spans) chars.fill(MASK, start, end);
  return chars.join('');
}

/** True when `span` touches a masked character of `masked`. */
export function isMasked(masked: string, span: Span): boolean {
  return masked.slice(span.start, span.end).includes(MASK);
}
