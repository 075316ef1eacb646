// Registers the service worker (vite-plugin-pwa, autoUpdate) and remembers whether the app
// shell is cached for offline use.
import { useSyncExternalStore } from "react";
import { registerSW } from "virtual:pwa-register";

let offlineReady = false;
const listeners = new Set<() => void>();

function setOfflineReady(): void {
  offlineReady = true;
  for (const listener of listeners) listener();
}

export function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator)) return;
  void registerSW({
    immediate: true,
    onOfflineReady: setOfflineReady,
    onRegisteredSW: (_url, registration) => {
      // A page that is already controlled was cached by an earlier visit.
      if (registration?.active && navigator.serviceWorker.controller) setOfflineReady();
    },
    onRegisterError: (error: unknown) => console.warn("service worker registration failed", error),
  });
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Whether the service worker has cached the app for offline use. */
export function useOfflineReady(): boolean {
  return useSyncExternalStore(subscribe, () => offlineReady);
}
