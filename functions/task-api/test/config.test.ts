import { ConfigError } from '@nudge/core';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

const valid = { DATABASE_URL: 'postgres://u:p@localhost:5432/nudge', AUTH_JWT_SECRET: 'x'.repeat(32) };

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig(valid)).toMatchObject({
      PORT: 8080,
      RATE_LIMIT_PER_MINUTE: 100,
      CORS_ORIGINS: [],
      LOG_LEVEL: 'info',
      DAPR_HTTP_PORT: 3500,
      DAPR_PUBSUB_NAME: 'pubsub',
    });
  });

  it('reads lists and numbers', () => {
    const config = loadConfig({
      ...valid,
      CORS_ORIGINS: 'https://a.example, https://b.example',
      PORT: '9000',
    });
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(config.PORT).toBe(9000);
  });

  it('accepts JWKS alone', () => {
    expect(
      loadConfig({ DATABASE_URL: valid.DATABASE_URL, AUTH_JWKS_URL: 'https://auth.example/jwks' })
        .AUTH_JWKS_URL,
    ).toBe('https://auth.example/jwks');
  });

  it.each([
    ['a missing DATABASE_URL', { DATABASE_URL: undefined }, /^DATABASE_URL is required/],
    ['a DATABASE_URL that is not postgres', { DATABASE_URL: 'mysql://x/y' }, /^DATABASE_URL: /],
    ['a malformed PORT', { PORT: 'eighty' }, /^PORT: /],
    ['a PORT out of range', { PORT: '70000' }, /^PORT: /],
    ['a short AUTH_JWT_SECRET', { AUTH_JWT_SECRET: 'short' }, /^AUTH_JWT_SECRET: /],
    ['a malformed AUTH_JWKS_URL', { AUTH_JWKS_URL: 'not a url' }, /^AUTH_JWKS_URL: /],
    ['a zero RATE_LIMIT_PER_MINUTE', { RATE_LIMIT_PER_MINUTE: '0' }, /^RATE_LIMIT_PER_MINUTE: /],
    ['an unknown LOG_LEVEL', { LOG_LEVEL: 'loud' }, /^LOG_LEVEL: /],
    ['a malformed DAPR_HTTP_PORT', { DAPR_HTTP_PORT: 'x' }, /^DAPR_HTTP_PORT: /],
  ])('refuses %s, naming the variable', (_, change, expected) => {
    expect(problems({ ...valid, ...change })).toContainEqual(expect.stringMatching(expected));
  });

  it('refuses a config with neither AUTH_JWT_SECRET nor AUTH_JWKS_URL, naming both', () => {
    const [problem] = problems({ DATABASE_URL: valid.DATABASE_URL });
    expect(problem).toMatch(/AUTH_JWT_SECRET/);
    expect(problem).toMatch(/AUTH_JWKS_URL/);
  });

  it('lists every problem at once', () => {
    expect(problems({ PORT: 'x' })).toHaveLength(2); // DATABASE_URL and PORT (auth is checked once fields parse)
  });
});
