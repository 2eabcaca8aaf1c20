import type { Span } from './spans.ts';

const QUOTE = /["“”]/g;

/** Quoted passages (marks included) and the positions of the marks themselves. */
export interface Quotes {
  literal: Span[];
  marks: number[];
}

/**
 * Finds text in double quotes (straight or curly). Pairs are taken left to right; an unclosed
 * quote runs to the end of the text, so while someone is still typing a title inside quotes
 * nothing after the opening mark is parsed.
 */
export function findQuotes(text: string): Quotes {
  const positions = [...text.matchAll(QUOTE)].map((match) => match.index);
  const literal: Span[] = [];
  for (let i = 0; i < positions.length; i += 2) {
    const open = positions[i] as number;
    const close = positions[i + 1];
    literal.push({ start: open, end: close === undefined ? text.length : close + 1 });
  }
  return { literal, marks: positions };
}
