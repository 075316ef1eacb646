// Online/offline state (navigator.onLine) and whether the app is cached for offline use.
import { useOnline } from "../hooks/useOnline";
import { useOfflineReady } from "../pwa";

export function OfflineBanner() {
  const online = useOnline();
  const offlineReady = useOfflineReady();
  if (online) {
    return (
      <span className="online-state online" data-testid="online-state" title="navigator.onLine">
        online{offlineReady ? " · works offline" : ""}
      </span>
    );
  }
  return (
    <div className="offline-banner" data-testid="online-state" role="status">
      You are offline. The sheet keeps working: edits are stored in this browser.
    </div>
  );
}
