import type { ReactNode } from 'react';

/** What an empty view says, and what to do about it. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="empty-state">
      <svg viewBox="0 0 48 48" aria-hidden="true" className="empty-state__art">
        <circle cx="24" cy="24" r="20" />
        <path d="M15 24.5l6 6L33 18" />
      </svg>
      <p className="empty-state__title">{title}</p>
      <p className="empty-state__hint">{children}</p>
    </div>
  );
}
