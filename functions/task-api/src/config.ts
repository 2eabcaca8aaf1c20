import { createConfigLoader, env } from '@nudge/core';
import { z } from 'zod';

const schema = z
  .object({
    DATABASE_URL: env.databaseUrl,
    PORT: env.port.default(8080),
    /** HS256 shared secret; at least 32 characters (RFC 7518 §3.2: a key as long as the hash). */
    AUTH_JWT_SECRET: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
    /** JWKS with the asymmetric keys (RS256, ES256, EdDSA), e.g. Better Auth's /api/auth/jwks. */
    AUTH_JWKS_URL: env.url.optional(),
    AUTH_ISSUER: z.string().optional(),
    AUTH_AUDIENCE: z.string().optional(),
    /**
     * Public base URL of task-api (`https://api.nudge.example`), named in the MCP auth metadata.
     * Unset: taken from each request's Host and X-Forwarded-Proto.
     */
    PUBLIC_URL: env.url.optional(),
    /** Comma-separated browser origins allowed by CORS (`*` for any); empty: no CORS headers. */
    CORS_ORIGINS: env.list.default([]),
    /** Requests per user per minute, per instance. */
    RATE_LIMIT_PER_MINUTE: env.positiveInt.default(100),
    /**
     * A live stream (`GET /api/stream`) ends after this many seconds, so a revision can drain and
     * scale; the client reconnects. Keep it below the Knative Service's `timeoutSeconds` (330).
     */
    STREAM_MAX_SECONDS: env.positiveInt.pipe(z.number().max(3_600)).default(300),
    /** Comment line sent on every stream this often, so proxies keep idle streams open. */
    STREAM_HEARTBEAT_SECONDS: env.positiveInt.default(25),
    LOG_LEVEL: env.logLevel,
    DAPR_HTTP_PORT: env.port.default(3500),
    DAPR_PUBSUB_NAME: z.string().default('pubsub'),
  })
  .refine((config) => config.AUTH_JWT_SECRET || config.AUTH_JWKS_URL, {
    error: 'set AUTH_JWT_SECRET and/or AUTH_JWKS_URL: requests cannot be authenticated otherwise',
  });

export type Config = z.output<typeof schema>;

/** task-api's configuration from the environment; throws a ConfigError naming every bad variable. */
export const loadConfig = createConfigLoader(schema);
