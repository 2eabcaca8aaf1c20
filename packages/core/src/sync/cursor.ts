import { createHash } from 'node:crypto';
import { AppError, validationFailed } from '../errors/app-error.ts';

/**
 * Cursors and snapshot page tokens are opaque to clients: base64url of `v1.<seq>.<binding>` and
 * `p1.<seq>.<last task id>.<binding>`. The seq is the user's own change counter (it says nothing
 * about anyone else); the binding — 8 hex of SHA-256 of the user id — turns a cursor pasted
 * into another account into a clear 400 instead of a silently wrong answer. It is not a secret:
 * a cursor grants nothing, the bearer token does.
 */
const binding = (userId: string) => createHash('sha256').update(userId).digest('hex').slice(0, 8);

const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const decode = (text: string) => Buffer.from(text, 'base64url').toString('utf8');

const seqPattern = /^(0|[1-9][0-9]{0,15})$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const encodeCursor = (userId: string, seq: number) => encode(`v1.${seq}.${binding(userId)}`);

/** The seq a cursor stands for; throws `validation_failed` (path `cursor`) for a malformed or foreign one. */
export function decodeCursor(userId: string, cursor: string, path = 'cursor'): number {
  const [version, seq, bound, ...rest] = decode(cursor).split('.');
  if (
    version !== 'v1' ||
    !seq ||
    !seqPattern.test(seq) ||
    rest.length > 0 ||
    encode(decode(cursor)) !== cursor
  )
    throw validationFailed(path, 'is not a cursor this API issued');
  if (bound !== binding(userId)) throw validationFailed(path, 'belongs to another user');
  return Number(seq);
}

export interface PageToken {
  seq: number;
  afterId: string;
}

export const encodePageToken = (userId: string, token: PageToken) =>
  encode(`p1.${token.seq}.${token.afterId}.${binding(userId)}`);

/** A snapshot's next page; throws `validation_failed` (path `page`). */
export function decodePageToken(userId: string, page: string): PageToken {
  const [version, seq, afterId, bound, ...rest] = decode(page).split('.');
  const wellFormed =
    version === 'p1' &&
    seq &&
    seqPattern.test(seq) &&
    afterId &&
    uuidPattern.test(afterId) &&
    rest.length === 0;
  if (!wellFormed || encode(decode(page)) !== page)
    throw validationFailed('page', 'is not a page this API issued');
  if (bound !== binding(userId)) throw validationFailed('page', 'belongs to another user');
  return { seq: Number(seq), afterId };
}

/** 410: the cursor is older than the kept tombstones (or from before a restore); sync from scratch. */
export const cursorExpired = () =>
  new AppError('cursor_expired', 'cursor is too old; drop the cache and sync again without a cursor');
