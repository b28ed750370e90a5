// Shared pieces of the end-to-end tests: the real server, Debian's chromium, and
// small waiting helpers (every wait is for a condition, with a timeout).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const webDir = resolve(here, '..');
export const repoDir = resolve(webDir, '..');
export const distDir = join(webDir, 'dist');
export const screenshotDir = join(here, 'screenshots');
export const PASSWORD = 'rollcall-demo';

export function serverBin(): string {
  return process.env.ROLLCALL_BIN || join(repoDir, 'build', 'release', 'rollcall');
}

export interface ServerOptions {
  dataDir?: string;
  port?: number;
  demoClasses?: number;
  classSize?: number;
  extraArgs?: string[];
}

export interface Server {
  url: string;
  port: number;
  dataDir: string;
  proc: ChildProcess;
  stderr: () => string;
  /** SIGTERM, and wait for the exit. */
  stop: () => Promise<number | null>;
}

export async function startServer(o: ServerOptions = {}): Promise<Server> {
  const bin = serverBin();
  if (!existsSync(bin)) throw new Error(`server binary not found: ${bin} (set ROLLCALL_BIN)`);
  if (!existsSync(join(distDir, 'index.html'))) throw new Error(`no build in ${distDir}: run npm run build`);
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'rollcall-e2e-'));
  const args = [
    'serve',
    '--demo',
    '--data-dir',
    dataDir,
    '--listen',
    `127.0.0.1:${o.port ?? 0}`,
    '--shards',
    '2',
    '--web-dir',
    distDir,
    '--demo-classes',
    String(o.demoClasses ?? 2),
    '--demo-class-size',
    String(o.classSize ?? 5),
    '--log-level',
    'warn',
    ...(o.extraArgs ?? []),
  ];
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d) => {
    err += d.toString();
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start in 20 s:\n${out}\n${err}`)), 20_000);
    proc.stdout!.on('data', (d) => {
      out += d.toString();
      const m = /rollcall listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(Number(m[1]));
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`server exited (${code}) before listening:\n${out}\n${err}`));
    });
  });
  let stopped: Promise<number | null> | null = null;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    proc,
    stderr: () => err,
    stop: () => {
      if (!stopped) {
        stopped = (async () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
          const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
          const code = await exited;
          clearTimeout(t);
          return code;
        })();
      }
      return stopped;
    },
  };
}

export function removeDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function newContext(browser: Browser, phone = false): Promise<BrowserContext> {
  return browser.newContext(
    phone
      ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
      : { viewport: { width: 1280, height: 900 } },
  );
}

/** Signs in through the form (labels `Username`, `Password`, button `Sign in`). */
export async function signIn(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 10_000 });
}

export async function connectionStatus(page: Page): Promise<string> {
  return (await page.getByTestId('connection-status').textContent())?.trim() ?? '';
}

export async function waitForStatus(page: Page, status: string, timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    (s) => document.querySelector('[data-testid="connection-status"]')?.textContent?.trim() === s,
    status,
    { timeout },
  );
}

export function row(page: Page, studentId: number) {
  return page.locator(`[data-testid="student-row"][data-student-id="${studentId}"]`);
}

/** Waits until the student's row has the status; returns how long it took. */
export async function waitForRowStatus(page: Page, studentId: number, status: string, timeout = 5_000): Promise<number> {
  const t0 = Date.now();
  await page.waitForSelector(`[data-testid="student-row"][data-student-id="${studentId}"][data-status="${status}"]`, {
    timeout,
  });
  return Date.now() - t0;
}

/** Row statuses by student id, as the page shows them. */
export async function rosterStatuses(page: Page): Promise<Record<string, string>> {
  return page.$$eval('[data-testid="student-row"]', (rows) =>
    Object.fromEntries(rows.map((r) => [r.getAttribute('data-student-id')!, r.getAttribute('data-status')!])),
  );
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

// --- the API from node (setting up and checking, not what the UI does) ---

export async function apiLogin(base: string, username: string): Promise<{ token: string; userId: number }> {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${await r.text()}`);
  const j = (await r.json()) as any;
  return { token: j.access_token, userId: j.user.id };
}

export async function api(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: r.status, json };
}

/** Polls `fn` until it returns a truthy value. */
export async function until<T>(what: string, fn: () => Promise<T> | T, timeout = 10_000, every = 50): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > timeout) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** A TCP port that was free a moment ago (bound to port 0, then released). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Waits until the page is controlled by the service worker and its cache holds the
 * app shell (index.html at `/`), so the app can start without a connection.
 */
export async function waitForServiceWorker(page: Page, timeout = 15_000): Promise<void> {
  await until(
    'the service worker to control the page with the shell cached',
    () =>
      page.evaluate(async () => {
        if (!navigator.serviceWorker?.controller) return false;
        const keys = await caches.keys();
        for (const k of keys.filter((k) => k.startsWith('rollcall-shell-'))) {
          const c = await caches.open(k);
          if (await c.match('/')) return true;
        }
        return false;
      }),
    timeout,
    100,
  );
}

/** The number the `sync-pending` badge shows ('0' when there is no badge: nothing waits). */
export async function syncPending(page: Page): Promise<string> {
  if ((await page.getByTestId('sync-pending').count()) === 0) return '0';
  return ((await page.getByTestId('sync-pending').textContent()) ?? '').trim();
}

/** Waits until `n` check-ins wait to be sent (0: the badge is gone). */
export async function waitForPending(page: Page, n: number, timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    (want) => {
      const badge = document.querySelector('[data-testid="sync-pending"]');
      return want === '0' ? badge === null && document.querySelector('.topbar .who') !== null : badge?.textContent?.trim() === want;
    },
    String(n),
    { timeout },
  );
}

/** The ops stored in the app's IndexedDB queue (database `rollcall`, store `ops`). */
export async function storedOps(page: Page): Promise<any[]> {
  return page.evaluate(async () => {
    // Never create the database here (the app creates it, with its store).
    if (!(await indexedDB.databases()).some((d) => d.name === 'rollcall')) return [];
    return new Promise<any[]>((resolve, reject) => {
      const r = indexedDB.open('rollcall');
      r.onerror = () => reject(r.error);
      r.onsuccess = () => {
        const db = r.result;
        if (!db.objectStoreNames.contains('ops')) {
          db.close();
          return resolve([]);
        }
        const g = db.transaction('ops', 'readonly').objectStore('ops').getAll();
        g.onsuccess = () => {
          db.close();
          resolve(g.result);
        };
        g.onerror = () => reject(g.error);
      };
    });
  });
}
