import { useState } from 'react';
import type { ClientConfig } from '../config.ts';

/** Signed out: OIDC sign-in when configured; locally, the printed link or a pasted token. */
export function SignIn({
  config,
  reason,
  onOidc,
  onToken,
}: {
  config: ClientConfig;
  reason: string | null;
  onOidc: () => void;
  onToken: (token: string) => void;
}) {
  const [token, setToken] = useState('');
  return (
    <main className="sign-in">
      <div className="sign-in__card">
        <h1>Nudge</h1>
        <p className="sign-in__lead">Tasks with due dates, repeats and reminders that reach your inbox.</p>
        {reason && (
          <p className="form-error" role="alert">
            {reason}
          </p>
        )}
        {config.oidc ? (
          <button type="button" className="button button--primary button--wide" onClick={onOidc}>
            Sign in
          </button>
        ) : (
          <>
            <p>
              Running Nudge locally? Open the link <code>npm start</code> printed: it signs you in as the demo
              user.
            </p>
            <form
              className="sign-in__token"
              onSubmit={(event) => {
                event.preventDefault();
                if (token.trim()) onToken(token);
              }}
            >
              <label className="field">
                <span>Or paste an access token</span>
                <input
                  type="password"
                  value={token}
                  onChange={(event) => setToken(event.target.value)}
                  autoComplete="off"
                />
              </label>
              <button type="submit" className="button button--primary">
                Sign in with token
              </button>
            </form>
          </>
        )}
      </div>
    </main>
  );
}
