/** Shown while requests get no answer; the app reconnects by itself when the network returns. */
export function OfflineBanner({ offline }: { offline: boolean }) {
  if (!offline) return null;
  return (
    <div className="offline-banner" role="status">
      You are offline. Nudge shows what it last loaded and reconnects by itself.
    </div>
  );
}
