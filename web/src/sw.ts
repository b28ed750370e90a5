// Service worker: keeps the app shell (index.html and the build's hashed assets)
// in a cache so the app starts without a connection. API and WebSocket traffic is
// never touched. The build (vite.config.ts) bundles it with its imports into one
// classic script and injects the file list and a version. It also shows Web Push
// notifications (API.md §8) and opens the right page when one is clicked.

import { clickTarget, openOrFocus } from './sw/notificationClick';
import { notificationFromPush } from './sw/pushNotification';

declare const self: ServiceWorkerGlobalScope;
declare const __PRECACHE__: string[];
declare const __SW_VERSION__: string;

const PREFIX = 'rollcall-shell-';
const CACHE = PREFIX + __SW_VERSION__;
const NAV_TIMEOUT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(__PRECACHE__.map((u) => new Request(u, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function bypass(url: URL): boolean {
  const p = url.pathname;
  return (
    url.origin !== self.location.origin ||
    p.startsWith('/api/') ||
    p.startsWith('/ws/') ||
    p === '/metrics' ||
    p === '/healthz' ||
    p === '/readyz' ||
    p === '/sw.js'
  );
}

function withTimeout(p: Promise<Response>, ms: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (r) => {
        clearTimeout(t);
        resolve(r);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

async function shell(): Promise<Response> {
  const c = await caches.open(CACHE);
  return (await c.match('/')) ?? Response.error();
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (bypass(url)) return;
  if (req.mode === 'navigate') {
    // Network first (a new version shows at once), the cached shell otherwise:
    // every client-side route (/class/4, /check-in?token=...) is index.html.
    event.respondWith(
      withTimeout(fetch(req), NAV_TIMEOUT_MS)
        .then((r) => (r.ok ? r : shell().then((s) => (s.type === 'error' ? r : s))))
        .catch(() => shell()),
    );
    return;
  }
  if (url.pathname.startsWith('/assets/')) {
    // Content-hashed: the cached copy is always right.
    event.respondWith(
      caches.open(CACHE).then(async (c) => {
        const hit = await c.match(req);
        if (hit) return hit;
        const r = await fetch(req);
        if (r.ok) void c.put(req, r.clone());
        return r;
      }),
    );
    return;
  }
  event.respondWith(
    fetch(req).catch(async () => (await caches.match(req, { cacheName: CACHE })) ?? Response.error()),
  );
});

// Web Push (API.md §8). Both handlers are plain functions of the event's parts,
// also reachable as `self.rollcallPush` for the browser tests: a script-made event
// cannot call waitUntil, and only a real notification click may focus or open a
// window (e2e/push.e2e.test.ts).

/** Shows the notification for a push message's text; resolves once it is shown. */
function onPush(raw: string | null): Promise<void> {
  const n = notificationFromPush(raw);
  return self.registration.showNotification(n.title, n.options);
}

/** Closes the notification and shows its page; resolves with what was done. */
function onNotificationClick(notification: Notification, action: string): Promise<string> {
  notification.close();
  const origin = self.location.origin;
  const windows = {
    matchAll: () => self.clients.matchAll({ type: 'window', includeUncontrolled: true }),
    openWindow: (url: string) => self.clients.openWindow(url),
  };
  return openOrFocus(windows, clickTarget(notification.data, action, origin), origin);
}

self.addEventListener('push', (event) => {
  event.waitUntil(onPush(event.data ? event.data.text() : null));
});

self.addEventListener('notificationclick', (event) => {
  event.waitUntil(onNotificationClick(event.notification, event.action));
});

(self as unknown as { rollcallPush: unknown }).rollcallPush = { onPush, onNotificationClick };
