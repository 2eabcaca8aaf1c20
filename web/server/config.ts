import { createConfigLoader, env } from '@nudge/core';
import { z } from 'zod';

const schema = z
  .object({
    PORT: env.port.default(8080),
    /** Where the browser reaches task-api, e.g. https://api.nudge.example (no trailing path). */
    API_URL: env.url,
    /** The OpenID Connect issuer; unset: no OIDC sign-in (local use with a token in the URL). */
    OIDC_ISSUER: env.url.optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    /** `offline_access` asks for a refresh token: silent renewal without iframes or third-party cookies. */
    OIDC_SCOPE: z.string().min(1).default('openid profile email offline_access'),
    /** The built app (vite build's output). */
    DIST_DIR: z.string().default(new URL('../dist', import.meta.url).pathname),
  })
  .refine((config) => !config.OIDC_ISSUER === !config.OIDC_CLIENT_ID, {
    error: 'set OIDC_ISSUER and OIDC_CLIENT_ID together',
    path: ['OIDC_CLIENT_ID'],
  });

export type WebConfig = z.output<typeof schema>;

/** The web server's configuration from the environment; throws a ConfigError naming every bad variable. */
export const loadWebConfig = createConfigLoader(schema);

/** What the browser reads from `/config.json` at start: one build serves every environment. */
export interface ClientConfig {
  api_url: string;
  oidc: { issuer: string; client_id: string; scope: string } | null;
}

export function clientConfig(config: WebConfig): ClientConfig {
  return {
    api_url: config.API_URL.replace(/\/+$/, ''),
    oidc:
      config.OIDC_ISSUER && config.OIDC_CLIENT_ID
        ? { issuer: config.OIDC_ISSUER, client_id: config.OIDC_CLIENT_ID, scope: config.OIDC_SCOPE }
        : null,
  };
}

/**
 * The Content-Security-Policy for the app: scripts and styles only from this origin, network only to
 * the API and the OIDC issuer (discovery, token and JWKS endpoints live under the issuer's origin).
 */
export function contentSecurityPolicy(client: ClientConfig): string {
  const connect = new Set(["'self'", new URL(client.api_url).origin]);
  if (client.oidc) connect.add(new URL(client.oidc.issuer).origin);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${[...connect].join(' ')}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
