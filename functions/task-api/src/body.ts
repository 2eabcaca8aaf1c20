import { AppError } from '@nudge/core';

/** Request bodies larger than this are refused with 413 before anything is parsed or written. */
export const maxBodyBytes = 64 * 1024;

const tooLarge = () => new AppError('payload_too_large', `request body exceeds ${maxBodyBytes} bytes`);
const unsupported = (message: string) => new AppError('unsupported_media_type', message);

/** The body's bytes, refusing more than `maxBodyBytes` as they arrive rather than after. */
async function readLimited(request: Request): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (Number.isFinite(declared) && declared > maxBodyBytes) throw tooLarge();
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw new AppError('validation_failed', 'request body was cut short', {
        details: [{ path: '(body)', message: 'incomplete body' }],
        cause: error,
      });
    }
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > maxBodyBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks, size);
}

/**
 * The JSON body of a request, read here (not by a framework) so every failure is one of our
 * answers: over 64 KiB → 413; not `application/json` in UTF-8 without a content-encoding → 415;
 * not a JSON object or array → 400 `validation_failed` at `(body)`. Undefined when there is no
 * body. Under functions-framework the body was already read and arrives here from `rawBody`.
 */
export async function jsonBody(request: Request): Promise<unknown> {
  const bytes = await readLimited(request);
  if (bytes.byteLength === 0) return undefined;
  const [type = '', ...params] = (request.headers.get('content-type') ?? '').split(';');
  if (type.trim().toLowerCase() !== 'application/json')
    throw unsupported('request body must be application/json');
  const charset = params
    .map((param) => param.trim().toLowerCase())
    .find((param) => param.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"|"$/g, '');
  if (charset && !charset.startsWith('utf-'))
    throw unsupported(`unsupported charset "${charset.toUpperCase()}"`);
  const encoding = request.headers.get('content-encoding')?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') throw unsupported(`unsupported content encoding "${encoding}"`);
  const text = new TextDecoder().decode(bytes);
  // Like the body parser this replaces: only an object or an array is a JSON body.
  const first = text.trimStart()[0];
  try {
    if (first !== '{' && first !== '[') throw new SyntaxError('not a JSON object or array');
    return JSON.parse(text);
  } catch (error) {
    throw new AppError('validation_failed', 'request body is not valid JSON', {
      details: [{ path: '(body)', message: 'malformed JSON' }],
      cause: error,
    });
  }
}
