import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createApi } from './api/client.ts';
import {
  adoptFragmentToken,
  adoptPastedToken,
  restoreSession,
  type Session,
  signInWithOidc,
} from './auth/session.ts';
import { App } from './components/App.tsx';
import { SignIn } from './components/SignIn.tsx';
import { type ClientConfig, loadClientConfig } from './config.ts';
import { ServicesContext } from './sync/context.tsx';
import { type LiveState, SyncEngine } from './sync/engine.ts';
import './styles.css';

/** The signed-in app: one query client, API client and sync engine per session. */
function SignedIn({
  config,
  session,
  onSignedOut,
}: {
  config: ClientConfig;
  session: Session;
  onSignedOut: (reason: string | null) => void;
}) {
  const [live, setLive] = useState<LiveState>('connecting');
  // Reachability is what our own requests find (`onReachable`), not `navigator.onLine`: a browser
  // on a machine with no network at all still reaches a task-api on localhost.
  const [offline, setOffline] = useState(false);
  const services = useMemo(() => {
    const queries = new QueryClient({
      // networkMode 'always': never park a request because the OS reports no network (see above).
      defaultOptions: {
        queries: { retry: 1, networkMode: 'always' },
        mutations: { retry: false, networkMode: 'always' },
      },
    });
    const api = createApi({
      baseUrl: config.api_url,
      token: () => session.token(),
      onUnauthorized: () => onSignedOut('Your session has ended. Please sign in again.'),
      onReachable: (reachable) => setOffline(!reachable),
    });
    const engine = new SyncEngine(api, queries, setLive);
    return { queries, api, engine };
  }, [config, session, onSignedOut]);

  useEffect(() => {
    const { engine, queries } = services;
    engine.resume();
    // The stream opens once the first snapshot is in, so its cursor is known.
    void queries
      .fetchQuery({
        queryKey: ['tasks'],
        queryFn: () => engine.snapshot(),
        staleTime: Number.POSITIVE_INFINITY,
      })
      .then(
        () => engine.connect(),
        () => engine.connect(),
      );
    const online = () => engine.reconnectNow();
    const offlineNow = () => setOffline(true);
    const visible = () => document.visibilityState === 'visible' && engine.reconnectNow();
    window.addEventListener('online', online);
    window.addEventListener('offline', offlineNow);
    document.addEventListener('visibilitychange', visible);
    return () => {
      engine.stop();
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offlineNow);
      document.removeEventListener('visibilitychange', visible);
    };
  }, [services]);

  // While offline, look for the network every few seconds: `online` events are not reliable.
  useEffect(() => {
    if (!offline) return;
    const timer = setInterval(() => services.engine.reconnectNow(), 5_000);
    return () => clearInterval(timer);
  }, [offline, services]);

  return (
    <QueryClientProvider client={services.queries}>
      <ServicesContext.Provider value={services}>
        <App
          user={session.user}
          live={live}
          offline={offline}
          onSignOut={() => void session.signOut().then(() => onSignedOut(null))}
        />
      </ServicesContext.Provider>
    </QueryClientProvider>
  );
}

function Root({ config, initial }: { config: ClientConfig; initial: Session | null }) {
  const [session, setSession] = useState(initial);
  const [reason, setReason] = useState<string | null>(null);
  const onSignedOut = useMemo(
    () => (why: string | null) => {
      if (why) localStorage.removeItem('nudge.token');
      setReason(why);
      setSession(null);
    },
    [],
  );
  useEffect(() => {
    // A printed link opened in a tab that already runs the app changes only the fragment.
    const onHash = () => adoptFragmentToken() && window.location.reload();
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  if (!session) {
    return (
      <SignIn
        config={config}
        reason={reason}
        onOidc={() => void signInWithOidc(config)}
        onToken={(token) => {
          const next = adoptPastedToken(token);
          setReason(next ? null : 'That token has expired.');
          setSession(next);
        }}
      />
    );
  }
  return <SignedIn key={session.user} config={config} session={session} onSignedOut={onSignedOut} />;
}

async function start() {
  const root = createRoot(document.getElementById('root')!);
  try {
    adoptFragmentToken();
    const config = await loadClientConfig();
    const session = await restoreSession(config);
    root.render(
      <StrictMode>
        <Root config={config} initial={session} />
      </StrictMode>,
    );
  } catch (error) {
    root.render(
      <main className="sign-in">
        <div className="sign-in__card" role="alert">
          <h1>Nudge could not start</h1>
          <p>{(error as Error).message}</p>
          <button type="button" className="button" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      </main>,
    );
  }
}

void start();
