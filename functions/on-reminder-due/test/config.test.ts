import { ConfigError } from '@nudge/core';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

describe('on-reminder-due config', () => {
  it('names every missing variable at once', () => {
    const failure = (() => {
      try {
        loadConfig({});
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).problems).toEqual(['DATABASE_URL is required', 'SMTP_URL is required']);
  });

  it('defaults the sidecar port, pub/sub name, sender and SMTP timeout', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://nudge@db/nudge', SMTP_URL: 'smtp://mail:1025' });
    expect(config).toMatchObject({
      PORT: 8080,
      DAPR_HTTP_PORT: 3500,
      DAPR_PUBSUB_NAME: 'pubsub',
      MAIL_FROM: 'Nudge <reminders@nudge.localhost>',
      SMTP_TIMEOUT_MS: 5_000,
    });
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x@y/z', SMTP_URL: 'http://mail' })).toThrow(
      /SMTP_URL/,
    );
  });
});
