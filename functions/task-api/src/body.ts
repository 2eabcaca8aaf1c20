import { AppError, type FrameworkRequest } from '@nudge/core';

/** Request bodies larger than this are refused with 413 before anything is parsed or written. */
export const maxBodyBytes = 64 * 1024;

/**
 * The body of a request. functions-framework has already read and parsed it (with its own 1 GB
 * limit), so the 64 KiB limit is enforced here on the declared and the actual size. JSON comes
 * back parsed; `text/calendar`, for a route that accepts it, as the raw text (UTF-8). Any other
 * type is a 415. Returns undefined when there is no body.
 */
export function requestBody(
  req: FrameworkRequest,
  accepts: readonly string[] = ['application/json'],
): unknown {
  // functions-framework could not parse it (malformed JSON); serveFunction passed the error on.
  if (req.bodyError) throw req.bodyError;
  const declared = Number(req.headers['content-length'] ?? 0);
  const size = Math.max(req.rawBody?.length ?? 0, Number.isFinite(declared) ? declared : 0);
  if (size > maxBodyBytes)
    throw new AppError('payload_too_large', `request body exceeds ${maxBodyBytes} bytes`);
  if (size === 0) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!accepts.includes(type))
    throw new AppError('unsupported_media_type', `request body must be ${accepts.join(' or ')}`);
  if (type === 'application/json') return req.body;
  return req.rawBody?.toString('utf8') ?? '';
}
