// Who is signed in, and the bearer token for task-api. Two ways in: a token handed over in the URL
// fragment (the local stack's printed link; a fragment never reaches a server or its logs), or
// OpenID Connect (authorization code + PKCE, oidc-client-ts, loaded only when configured).
import type { ClientConfig } from '../config.ts';

const storageKey = 'nudge.token';

export interface Session {
  /** Display name: the token's `email` or `sub`. */
  user: string;
  kind: 'token' | 'oidc';
  token(): Promise<string | null>;
  signOut(): Promise<void>;
}

/** Moves `#token=…` from the address bar into localStorage; true when one was there. */
export function adoptFragmentToken(): boolean {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const token = params.get('token');
  if (!token) return false;
  localStorage.setItem(storageKey, token);
  history.replaceState(history.state, '', window.location.pathname + window.location.search);
  return true;
}

/** The claims of a JWT, for display only (task-api verifies; the browser never trusts them). */
function claimsOf(token: string): { sub?: string; email?: string; exp?: number } {
  try {
    const payload = token.split('.')[1] ?? '';
    return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return {};
  }
}

function tokenSession(token: string): Session | null {
  const claims = claimsOf(token);
  if (claims.exp && claims.exp * 1000 < Date.now()) {
    localStorage.removeItem(storageKey);
    return null;
  }
  return {
    user: claims.email ?? claims.sub ?? 'signed in',
    kind: 'token',
    token: async () => token,
    signOut: async () => localStorage.removeItem(storageKey),
  };
}

/** Stores a pasted token (the sign-in screen's fallback) and answers the session it opens. */
export function adoptPastedToken(token: string): Session | null {
  localStorage.setItem(storageKey, token.trim());
  return tokenSession(token.trim());
}

/** The session at start, or null when the user must sign in. Completes an OIDC redirect first. */
export async function restoreSession(config: ClientConfig): Promise<Session | null> {
  const stored = localStorage.getItem(storageKey);
  if (stored) {
    const session = tokenSession(stored);
    if (session) return session;
  }
  if (!config.oidc) return null;
  const { oidcSession } = await import('./oidc.ts');
  return oidcSession(config.oidc);
}

/** Starts the OIDC redirect (when configured). */
export async function signInWithOidc(config: ClientConfig): Promise<void> {
  if (!config.oidc) return;
  const { oidcSignIn } = await import('./oidc.ts');
  await oidcSignIn(config.oidc);
}
