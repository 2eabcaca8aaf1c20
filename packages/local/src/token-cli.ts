// `npm run token -- --sub alice --email alice@example.com [--ttl 3600]`: prints a token for the local stack.
import { parseArgs } from 'node:util';
import { createConfigLoader, env } from '@nudge/core';
import { z } from 'zod';
import { ensureJwtSecret, signDevToken } from './dev-auth.ts';

const loadConfig = createConfigLoader(
  z.object({
    AUTH_JWT_SECRET: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
    DATA_DIR: z.string().default('.data'),
  }),
);

const usage = 'usage: npm run token -- --sub <user id> [--email <address>] [--ttl <seconds>]';

const { values } = parseArgs({
  options: { sub: { type: 'string' }, email: { type: 'string' }, ttl: { type: 'string' } },
  strict: true,
});
const args = z
  .object({ sub: z.string().min(1), email: z.email().optional(), ttl: env.positiveInt.default(86_400) })
  .safeParse(values);
if (!args.success) {
  console.error(
    `${args.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n')}\n${usage}`,
  );
  process.exit(2);
}

const config = loadConfig();
const secret = config.AUTH_JWT_SECRET ?? (await ensureJwtSecret(config.DATA_DIR));
console.log(
  await signDevToken(secret, { sub: args.data.sub, email: args.data.email, ttlSeconds: args.data.ttl }),
);
