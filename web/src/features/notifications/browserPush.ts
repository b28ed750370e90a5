// The browser's own parts for pushSetup.ts: Notification, the service worker
// registration and its PushManager, and the remembered subscription.

import type { PushEnv, RegistrationLike } from './pushSetup';
import { subscriptionStore } from './rememberedSubscription';

/** How long to wait for the service worker to become active (it registers at start-up, main.tsx). */
const READY_TIMEOUT_MS = 10_000;
/**
 * How long `subscribe` may take. Chrome in a normal profile with no route to its
 * push service was seen not to answer within 3 minutes: the user gets words instead.
 */
const SUBSCRIBE_TIMEOUT_MS = 30_000;

function ready(sw: ServiceWorkerContainer, ms: number): Promise<RegistrationLike | null> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(null), ms);
    sw.ready.then(
      (r) => {
        clearTimeout(t);
        resolve(r);
      },
      () => {
        clearTimeout(t);
        resolve(null);
      },
    );
  });
}

export function browserPushEnv(userId: number): PushEnv {
  // Absent outside a secure context (plain http other than localhost) and in old browsers.
  const sw = typeof navigator !== 'undefined' && 'serviceWorker' in navigator ? navigator.serviceWorker : undefined;
  return {
    notification: typeof Notification !== 'undefined' ? Notification : undefined,
    hasServiceWorker: !!sw,
    hasPushManager: typeof PushManager !== 'undefined',
    currentRegistration: async () => (sw ? ((await sw.getRegistration()) ?? null) : null),
    activeRegistration: () => (sw ? ready(sw, READY_TIMEOUT_MS) : Promise.resolve(null)),
    store: subscriptionStore(userId),
    subscribeTimeoutMs: SUBSCRIBE_TIMEOUT_MS,
  };
}
