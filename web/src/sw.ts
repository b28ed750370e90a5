// Service worker: keeps the app shell (index.html and the build's hashed assets)
// in a cache so the app starts without a connection. API and WebSocket traffic is
// never touched. The build (vite.config.ts) injects the file list and a version.

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

export {};
