import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

describe('cron-scan config', () => {
  it('looks ahead one 30 s scan interval plus a margin by default', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://nudge@db/nudge' });
    expect(config).toMatchObject({
      SCAN_LOOKAHEAD_SECONDS: 35,
      SCAN_LEASE_GRACE_SECONDS: 10,
      DAPR_HTTP_PORT: 3500,
    });
    expect(() =>
      loadConfig({ DATABASE_URL: 'postgres://nudge@db/nudge', SCAN_LOOKAHEAD_SECONDS: '-1' }),
    ).toThrow(/SCAN_LOOKAHEAD_SECONDS/);
  });
});
