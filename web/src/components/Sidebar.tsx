import type { ViewName } from '../lib/views.ts';
import { viewNames, viewTitles } from '../lib/views.ts';
import type { LiveState } from '../sync/engine.ts';

// Drawn inline: emoji glyphs depend on the system's fonts (a bare Linux shows empty boxes).
const icons: Record<ViewName, string> = {
  today:
    'M12 4v2M12 18v2M4 12h2M18 12h2M6.3 6.3l1.4 1.4M16.3 16.3l1.4 1.4M6.3 17.7l1.4-1.4M16.3 7.7l1.4-1.4M12 9a3 3 0 1 0 0 6a3 3 0 1 0 0-6',
  upcoming: 'M5 6h14v13H5zM5 10h14M9 4v4M15 4v4',
  inbox: 'M4 13l2.5-7h11l2.5 7v5H4zM4 13h5l1 2h4l1-2h5',
  completed: 'M5 12.5l4.5 4.5L19 7.5',
};

interface Props {
  view: ViewName;
  counts: Record<ViewName, number>;
  onNavigate: (view: ViewName) => void;
  user: string;
  live: LiveState;
  onSignOut: () => void;
  onShortcuts: () => void;
}

/** The app's navigation: views with their counts, who is signed in, the live-sync state. */
export function Sidebar({ view, counts, onNavigate, user, live, onSignOut, onShortcuts }: Props) {
  return (
    <aside className="sidebar">
      <div className="sidebar__brand">
        <svg viewBox="0 0 32 32" aria-hidden="true" width="24" height="24">
          <rect width="32" height="32" rx="8" className="brand-mark" />
          <path d="M9 16.5l4.5 4.5L23 11.5" fill="none" stroke="#fff" strokeWidth="3" strokeLinecap="round" />
        </svg>
        <span>Nudge</span>
      </div>
      <nav aria-label="Views" className="view-nav">
        <ul>
          {viewNames.map((name) => (
            <li key={name}>
              <a
                href={`/${name}`}
                className="view-nav__link"
                aria-current={view === name ? 'page' : undefined}
                onClick={(event) => {
                  if (event.metaKey || event.ctrlKey || event.shiftKey) return;
                  event.preventDefault();
                  onNavigate(name);
                }}
              >
                <svg className="view-nav__icon" viewBox="0 0 24 24" aria-hidden="true">
                  <path d={icons[name]} />
                </svg>
                <span className="view-nav__name">{viewTitles[name]}</span>
                {name !== 'completed' && counts[name] > 0 && (
                  <span className="view-nav__count">{counts[name]}</span>
                )}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="sidebar__footer">
        <p className={`live live--${live}`} title="Live sync">
          <span className="live__dot" aria-hidden="true" />
          {live === 'live' ? 'Live' : 'Connecting…'}
        </p>
        <p className="sidebar__user" title={user}>
          {user}
        </p>
        <div className="sidebar__buttons">
          <button type="button" className="link-button" onClick={onShortcuts}>
            Shortcuts <kbd>?</kbd>
          </button>
          <button type="button" className="link-button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </div>
    </aside>
  );
}
