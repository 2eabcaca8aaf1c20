import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/auth.ts';
import { type Api, secret, startApi } from './harness.ts';

const issuer = 'https://auth.example';
const audience = 'nudge';
type Key = { alg: string; kid: string; privateKey: CryptoKey };
const keys: Key[] = [];
const jwks: JWK[] = [];
let jwksServer: Server;
let api: Api;

beforeAll(async () => {
  for (const alg of ['RS256', 'ES256', 'EdDSA']) {
    const { publicKey, privateKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
    const kid = `key-${alg}`;
    keys.push({ alg, kid, privateKey });
    jwks.push({ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' });
  }
  jwksServer = createServer((_, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: jwks }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/api/auth/jwks`;
  api = await startApi({ env: { AUTH_JWKS_URL: jwksUrl, AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience } });
});
afterAll(async () => {
  await api.close();
  jwksServer.close();
});

interface Options {
  sub?: string | null;
  email?: string;
  iss?: string;
  aud?: string;
  exp?: string | number;
}

function claims(jwt: SignJWT, o: Options) {
  if (o.sub !== null) jwt.setSubject(o.sub ?? 'carol');
  return jwt
    .setIssuer(o.iss ?? issuer)
    .setAudience(o.aud ?? audience)
    .setIssuedAt()
    .setExpirationTime(o.exp ?? '5m');
}

const hs256 = (o: Options = {}, key = secret) =>
  claims(new SignJWT(o.email ? { email: o.email } : {}).setProtectedHeader({ alg: 'HS256' }), o).sign(
    new TextEncoder().encode(key),
  );

const signed = (key: Key, o: Options = {}) =>
  claims(
    new SignJWT({ email: o.email ?? 'carol@example.com' }).setProtectedHeader({ alg: key.alg, kid: key.kid }),
    o,
  ).sign(key.privateKey);

const list = (authorization?: string) =>
  api.call('GET', '/api/tasks', { headers: authorization ? { authorization } : {} });

async function expectUnauthorized(authorization: string | undefined, message?: RegExp) {
  const res = await list(authorization);
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toBe('Bearer');
  expect(res.body.error.code).toBe('unauthorized');
  if (message) expect(res.body.error.message).toMatch(message);
}

describe('authentication', () => {
  it('accepts an HS256 token signed with AUTH_JWT_SECRET', async () => {
    expect((await list(`Bearer ${await hs256()}`)).status).toBe(200);
  });

  it.each(['RS256', 'ES256', 'EdDSA'])('accepts a %s token whose key is in the JWKS', async (alg) => {
    const key = keys.find((k) => k.alg === alg)!;
    expect((await list(`Bearer ${await signed(key)}`)).status).toBe(200);
  });

  it('rejects a request without token', () => expectUnauthorized(undefined, /Bearer/));
  it('rejects a non-Bearer scheme', () => expectUnauthorized('Basic YWxpY2U6c2VjcmV0'));
  it('rejects a malformed token', () => expectUnauthorized('Bearer not-a-jwt'));
  it('rejects an HS256 token signed with another secret', async () =>
    expectUnauthorized(
      `Bearer ${await hs256({}, 'another-secret-that-is-also-32-characters!')}`,
      /invalid token/,
    ));
  it('rejects an expired token', async () =>
    expectUnauthorized(`Bearer ${await hs256({ exp: Math.floor(Date.now() / 1000) - 60 })}`, /expired/));
  it('rejects a token from another issuer', async () =>
    expectUnauthorized(`Bearer ${await hs256({ iss: 'https://evil.example' })}`, /iss/));
  it('rejects a token for another audience', async () =>
    expectUnauthorized(`Bearer ${await hs256({ aud: 'someone-else' })}`, /aud/));
  it('rejects an asymmetric token with a wrong audience', async () =>
    expectUnauthorized(`Bearer ${await signed(keys[0]!, { aud: 'someone-else' })}`, /aud/));
  it('rejects a token signed by a key missing from the JWKS', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    await expectUnauthorized(
      `Bearer ${await signed({ alg: 'ES256', kid: 'unknown', privateKey })}`,
      /unknown key/,
    );
  });
  it('rejects a token whose RS256 signature was tampered with', async () => {
    const token = await signed(keys[0]!);
    const [header, payload] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ sub: 'mallory', iss: issuer, aud: audience, exp: 9999999999 }),
    ).toString('base64url');
    expect(payload).not.toBe(forged);
    await expectUnauthorized(`Bearer ${header}.${forged}.${token.split('.')[2]}`);
  });
  it('rejects an unsigned (alg none) token', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: 'mallory', iss: issuer, aud: audience })).toString(
      'base64url',
    );
    await expectUnauthorized(`Bearer ${header}.${body}.`);
  });
  it('rejects a token without sub', async () =>
    expectUnauthorized(`Bearer ${await hs256({ sub: null })}`, /sub/));
  it('rejects a sub PostgreSQL could not store', async () =>
    expectUnauthorized(`Bearer ${await hs256({ sub: 'nul\u0000byte' })}`, /sub/));
});

describe('users', () => {
  const user = () => api.db.selectFrom('users').selectAll().where('id', '=', 'dave').executeTakeFirst();

  it('records the user on first request and follows an email change, keeping it when a token has none', async () => {
    await list(`Bearer ${await hs256({ sub: 'dave', email: 'dave@example.com' })}`);
    expect(await user()).toMatchObject({ id: 'dave', email: 'dave@example.com' });
    await list(`Bearer ${await hs256({ sub: 'dave', email: 'dave@new.example' })}`);
    expect(await user()).toMatchObject({ email: 'dave@new.example' });
    await list(`Bearer ${await hs256({ sub: 'dave' })}`);
    expect(await user()).toMatchObject({ email: 'dave@new.example' });
  });

  it('writes nothing for a known user with the same email', async () => {
    await list(`Bearer ${await hs256({ sub: 'erin', email: 'erin@example.com' })}`);
    const before = await api.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', 'erin')
      .executeTakeFirstOrThrow();
    await api.deps.db
      .updateTable('users')
      .set({ updated_at: new Date('2000-01-01T00:00:00Z') })
      .where('id', '=', 'erin')
      .execute();
    await list(`Bearer ${await hs256({ sub: 'erin', email: 'erin@example.com' })}`);
    const after = await api.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', 'erin')
      .executeTakeFirstOrThrow();
    expect(after.updated_at.toISOString()).toBe('2000-01-01T00:00:00.000Z');
    expect(after.email).toBe(before.email);
  });
});

describe('verified-token memory', () => {
  const at = Date.parse('2026-12-01T09:00:00Z');
  const token = (exp: number, key = secret) =>
    new SignJWT({ email: 'fay@example.com' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('fay')
      .setIssuedAt(at / 1000)
      .setExpirationTime(exp / 1000)
      .sign(new TextEncoder().encode(key));

  it('stops accepting a remembered token once it expires (after the 5 s tolerance)', async () => {
    let now = at;
    const authenticate = createAuthenticator({ AUTH_JWT_SECRET: secret }, { now: () => now });
    const bearer = `Bearer ${await token(at + 60_000)}`;
    expect(await authenticate(bearer)).toEqual({ sub: 'fay', email: 'fay@example.com' });
    now = at + 64_000;
    expect(await authenticate(bearer)).toEqual({ sub: 'fay', email: 'fay@example.com' });
    now = at + 65_001;
    await expect(authenticate(bearer)).rejects.toMatchObject({
      code: 'unauthorized',
      message: 'token expired',
    });
  });

  it('remembers a token by its exact text: a tampered copy of a remembered token is refused', async () => {
    const authenticate = createAuthenticator({ AUTH_JWT_SECRET: secret }, { now: () => at });
    const jwt = await token(at + 3_600_000);
    await authenticate(`Bearer ${jwt}`);
    const [header, payload, signature] = jwt.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'mallory', exp: at / 1000 + 3_600 })).toString(
      'base64url',
    );
    for (const copy of [`${header}.${forged}.${signature}`, `${header}.${payload}.${'A'.repeat(43)}`]) {
      await expect(authenticate(`Bearer ${copy}`)).rejects.toMatchObject({ code: 'unauthorized' });
    }
    expect((await authenticate(`Bearer ${jwt}`)).sub).toBe('fay');
  });
});
