// The service worker's Web Push handlers (API.md §8) in Debian's headless
// chromium, with the real server serving the app. Headless chromium here reaches
// no push service, so the push comes from DevTools (CDP
// ServiceWorker.deliverPushMessage): a real, trusted push event, through the
// worker's own `push` listener and its waitUntil. No DevTools call clicks a
// notification, so the click is a script-made NotificationEvent dispatched in
// the worker's scope (its listener runs; waitUntil refuses a script-made event,
// and only a real click may focus or open a window), or the listener's function,
// `self.rollcallPush.onNotificationClick`, when the test wants its outcome.
// Opening a new window (no window of the app open) is covered by Vitest
// (src/sw/notificationClick.test.ts) only.

import type { Browser, BrowserContext, Page, Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiLogin, launchBrowser, newContext, removeDir, screenshot, signIn, startServer, until, waitForServiceWorker, type Server } from './helpers';

let server: Server;
let browser: Browser;

interface Shown {
  title: string;
  body: string;
  tag: string;
  data: any;
  actions: { action: string; title: string }[];
}

/** A signed-in user's browser with the notifications permission granted, its page controlled by the worker. */
async function signedInWithWorker(username: string): Promise<{ ctx: BrowserContext; page: Page; worker: Worker }> {
  const ctx = await newContext(browser);
  await ctx.grantPermissions(['notifications'], { origin: server.url });
  const page = await ctx.newPage();
  await page.goto(server.url + '/');
  await signIn(page, username);
  await waitForServiceWorker(page);
  const workers = ctx.serviceWorkers();
  expect(workers).toHaveLength(1);
  expect(await page.evaluate(() => Notification.permission)).toBe('granted');
  return { ctx, page, worker: workers[0] };
}

/** Delivers `data` to the page's service worker as a real push message, through DevTools. */
async function deliverPush(ctx: BrowserContext, page: Page, data: string): Promise<void> {
  const cdp = await ctx.newCDPSession(page);
  const regs: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => regs.push(...e.registrations));
  await cdp.send('ServiceWorker.enable');
  const scope = server.url + '/';
  const reg = (await until('the service worker registration in DevTools', () => regs.find((r) => r.scopeURL === scope && !r.isDeleted)))!;
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: scope, registrationId: reg.registrationId, data });
  await cdp.detach();
}

/** The notifications the worker shows now. */
function shown(worker: Worker): Promise<Shown[]> {
  return worker.evaluate(async () =>
    (await (self as any).registration.getNotifications()).map((n: any) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      data: n.data,
      actions: n.actions.map((a: any) => ({ action: a.action, title: a.title })),
    })),
  );
}

async function waitForNotification(worker: Worker, tag: string): Promise<Shown> {
  return (await until(`a notification tagged ${tag}`, async () => (await shown(worker)).find((n) => n.tag === tag), 10_000, 100))!;
}

/** Clicks (a script-made notificationclick, `action` '' for the body) the notification tagged `tag`. */
async function dispatchClick(worker: Worker, tag: string, action: string): Promise<void> {
  const found = await worker.evaluate(
    async ([t, a]) => {
      const n = (await (self as any).registration.getNotifications({ tag: t }))[0];
      if (!n) return false;
      self.dispatchEvent(new (self as any).NotificationEvent('notificationclick', { notification: n, action: a }));
      return true;
    },
    [tag, action] as const,
  );
  expect(found).toBe(true);
}

beforeAll(async () => {
  server = await startServer({ classSize: 3 });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  const code = await server?.stop();
  expect(code).toBe(0);
  removeDir(server.dataDir);
});

describe('a push to a student', () => {
  it('shows session_opened with its title, body, tag and Check in; Check in takes the open window to the check-in page', async () => {
    const { ctx, page, worker } = await signedInWithWorker('student001');
    const payload = {
      kind: 'session_opened',
      title: 'Class 1: attendance is open',
      body: 'Check in before 09:05.',
      url: '/class/1#check-in',
      class_id: 1,
      session_id: 1048577,
      actions: [{ action: 'check_in', title: 'Check in' }],
    };
    await deliverPush(ctx, page, JSON.stringify(payload));
    const n = await waitForNotification(worker, 'session_opened:1048577');
    expect(n).toEqual({
      title: 'Class 1: attendance is open',
      body: 'Check in before 09:05.',
      tag: 'session_opened:1048577',
      data: { url: '/class/1#check-in', kind: 'session_opened', class_id: 1, session_id: 1048577 },
      actions: [{ action: 'check_in', title: 'Check in' }],
    });

    // A newer one for the same session replaces it (one tag per kind and session).
    await deliverPush(ctx, page, JSON.stringify({ ...payload, body: 'Still open.' }));
    await until('the replaced notification', async () => {
      const all = (await shown(worker)).filter((x) => x.tag === 'session_opened:1048577');
      return all.length === 1 && all[0].body === 'Still open.';
    });

    expect(new URL(page.url()).pathname).toBe('/');
    await dispatchClick(worker, 'session_opened:1048577', 'check_in');
    await page.waitForURL(`${server.url}/class/1#check-in`, { timeout: 10_000 });
    await page.getByTestId('checkin-code-input').waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => document.getElementById('check-in') !== null)).toBe(true);
    // The click closed the notification, and no second window opened.
    await until('the notification closed', async () => !(await shown(worker)).some((x) => x.tag === 'session_opened:1048577'));
    expect(ctx.pages()).toHaveLength(1);
    await screenshot(page, 'push-check-in-from-notification');
    await ctx.close();
  });

  it('shows a generic notification for a payload that is not JSON, and a click on it opens /', async () => {
    const { ctx, page, worker } = await signedInWithWorker('student002');
    await page.goto(server.url + '/class/1');
    await page.getByTestId('checkin-code-input').waitFor();
    await deliverPush(ctx, page, '{"kind": "session_op');
    const n = await waitForNotification(worker, 'rollcall');
    expect(n).toMatchObject({ title: 'rollcall', body: 'Open rollcall to see what changed.', actions: [], data: { url: '/' } });
    await dispatchClick(worker, 'rollcall', '');
    await page.waitForURL(`${server.url}/`, { timeout: 10_000 });
    await page.getByRole('heading', { name: 'My classes' }).waitFor();
    await ctx.close();
  });

  it('never follows a payload url of another origin: the click opens / instead', async () => {
    const { ctx, page, worker } = await signedInWithWorker('student003');
    await page.goto(server.url + '/class/1');
    await page.getByTestId('checkin-code-input').waitFor();
    await deliverPush(
      ctx,
      page,
      JSON.stringify({ kind: 'status_changed', title: 'Now: excused', body: 'x', url: 'https://evil.example/phish', class_id: 1, session_id: 7, actions: [] }),
    );
    await waitForNotification(worker, 'status_changed:7');
    const outcome = await worker.evaluate(async () => {
      const n = (await (self as any).registration.getNotifications({ tag: 'status_changed:7' }))[0];
      return (self as any).rollcallPush.onNotificationClick(n, '');
    });
    expect(outcome).toBe('navigated');
    await page.waitForURL(`${server.url}/`, { timeout: 10_000 });
    expect(ctx.pages().map((p) => p.url())).toEqual([`${server.url}/`]);
    await ctx.close();
  });
});

describe('a push to a teacher', () => {
  it('shows missing_digest with Open roster, which takes the open window to the roster', async () => {
    const t = await apiLogin(server.url, 'teacher1');
    const open = await api(server.url, t.token, 'POST', '/api/v1/classes/1/sessions');
    expect(open.status).toBe(201);
    const sid: number = open.json.id;
    const { ctx, page, worker } = await signedInWithWorker('teacher1');
    await deliverPush(
      ctx,
      page,
      JSON.stringify({
        kind: 'missing_digest',
        title: 'Class 1: 3 students have not checked in',
        body: 'The late time has passed.',
        url: '/class/1#roster',
        class_id: 1,
        session_id: sid,
        actions: [{ action: 'open_roster', title: 'Open roster' }],
      }),
    );
    const n = await waitForNotification(worker, `missing_digest:${sid}`);
    expect(n.actions).toEqual([{ action: 'open_roster', title: 'Open roster' }]);
    expect(n.title).toBe('Class 1: 3 students have not checked in');

    // Through the listener's own function, to see what it did: a script may not
    // focus a window (only a real click may), so it navigates the open one.
    const outcome = await worker.evaluate(async (tag) => {
      const n = (await (self as any).registration.getNotifications({ tag }))[0];
      return (self as any).rollcallPush.onNotificationClick(n, 'open_roster');
    }, `missing_digest:${sid}`);
    expect(outcome).toBe('navigated');
    await page.waitForURL(`${server.url}/class/1#roster`, { timeout: 10_000 });
    await page.locator('#roster [data-testid="student-row"]').first().waitFor({ timeout: 10_000 });
    expect(await page.locator('#roster [data-testid="student-row"]').count()).toBe(3);
    expect((await shown(worker)).some((x) => x.tag === `missing_digest:${sid}`)).toBe(false);
    await screenshot(page, 'push-roster-from-notification');
    await ctx.close();
  });
});
