// OpenID Connect with oidc-client-ts, in its own chunk: a deployment without OIDC never loads it.
// Authorization code + PKCE; silent renewal with the refresh token (scope `offline_access`), so no
// hidden iframe and no third-party cookie is involved. Tokens live in localStorage so a reload or
// a new tab stays signed in.
import { UserManager, WebStorageStateStore } from 'oidc-client-ts';
import type { ClientConfig } from '../config.ts';
import type { Session } from './session.ts';

type OidcConfig = NonNullable<ClientConfig['oidc']>;

const callbackPath = '/auth/callback';
let manager: UserManager | undefined;

function managerFor(config: OidcConfig): UserManager {
  manager ??= new UserManager({
    authority: config.issuer,
    client_id: config.client_id,
    scope: config.scope,
    redirect_uri: `${window.location.origin}${callbackPath}`,
    post_logout_redirect_uri: `${window.location.origin}/`,
    response_type: 'code',
    automaticSilentRenew: true,
    userStore: new WebStorageStateStore({ store: window.localStorage }),
  });
  return manager;
}

export async function oidcSignIn(config: OidcConfig): Promise<void> {
  await managerFor(config).signinRedirect({ state: window.location.pathname });
}

/** Completes a redirect back from the provider, or restores a stored user; null when signed out. */
export async function oidcSession(config: OidcConfig): Promise<Session | null> {
  const users = managerFor(config);
  let user = null;
  if (window.location.pathname === callbackPath) {
    user = await users.signinRedirectCallback();
    const back = typeof user.state === 'string' && user.state.startsWith('/') ? user.state : '/';
    history.replaceState(null, '', back);
  } else {
    user = await users.getUser();
    if (user?.expired) {
      // A refresh token renews without a round trip through the provider's login page.
      user = user.refresh_token ? await users.signinSilent().catch(() => null) : null;
    }
  }
  if (!user) return null;
  const profile = user.profile;
  return {
    user: (profile.email as string | undefined) ?? profile.name ?? profile.sub,
    kind: 'oidc',
    token: async () => (await users.getUser())?.access_token ?? null,
    signOut: () => users.removeUser(),
  };
}
