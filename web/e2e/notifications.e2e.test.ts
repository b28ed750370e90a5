// The "Notifications" card on the home page (API.md §8), in headless chromium
// against the real server: the permission is asked only on the click, a refusal
// explains how to allow it again, Enable subscribes or says why it cannot, and the
// preferences (only the kinds that fit the role) are loaded and saved.
//
// Needs the server's push endpoints: "Enable" and "preferences" fail with the
// message below until GET /api/v1/push/vapid-public-key and /push/preferences exist.

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiLogin, launchBrowser, newContext, removeDir, screenshot, signIn, startServer, waitForServiceWorker, type Server } from './helpers';

let server: Server;
let browser: Browser;

const NO_PUSH_YET = 'the server has no push endpoints (API.md §8, issue 20) yet';

/** Fails clearly when the server does not have the push endpoints. */
async function expectPushEndpoints(username: string): Promise<string> {
  const { token } = await apiLogin(server.url, username);
  const key = await api(server.url, token, 'GET', '/api/v1/push/vapid-public-key');
  expect(key.status, `GET /api/v1/push/vapid-public-key answered ${key.status}: ${NO_PUSH_YET}`).toBe(200);
  const prefs = await api(server.url, token, 'GET', '/api/v1/push/preferences');
  expect(prefs.status, `GET /api/v1/push/preferences answered ${prefs.status}: ${NO_PUSH_YET}`).toBe(200);
  return token;
}

async function home(username: string, o: { grant?: boolean; noPushApi?: boolean } = {}): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await newContext(browser);
  if (o.grant) await ctx.grantPermissions(['notifications'], { origin: server.url });
  const page = await ctx.newPage();
  // A browser without the Push API (Safari in a tab on iOS, for one).
  if (o.noPushApi) await page.addInitScript(() => delete (window as any).PushManager);
  await page.goto(server.url + '/');
  await signIn(page, username);
  await page.getByTestId('notifications').waitFor();
  return { ctx, page };
}

const controlState = (page: Page) => page.getByTestId('push-control').getAttribute('data-state');

async function waitForControlState(page: Page, states: string[]): Promise<string> {
  await page.waitForFunction(
    (want) => want.includes(document.querySelector('[data-testid="push-control"]')?.getAttribute('data-state') ?? ''),
    states,
    { timeout: 10_000 },
  );
  return (await controlState(page))!;
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

describe('the Enable control', () => {
  it('asks nothing on load; the click asks, and a refusal explains how to allow notifications again', async () => {
    const { ctx, page } = await home('student001');
    await waitForServiceWorker(page);
    expect(await waitForControlState(page, ['off'])).toBe('off');
    // Nothing was asked on load: the permission is still undecided.
    expect(await page.evaluate(() => Notification.permission)).toBe('default');
    await page.getByTestId('push-enable').click();
    // Headless chromium answers a permission request it was not granted by itself:
    // "denied" (seen here), or "default" as if the question was closed.
    await page.waitForFunction(() => Notification.permission !== 'default' || document.querySelector('[data-testid="push-control"] [role="alert"]'), null, {
      timeout: 10_000,
    });
    const permission = await page.evaluate(() => Notification.permission);
    if (permission === 'denied') {
      await page.getByTestId('push-denied').waitFor();
      expect(await page.getByTestId('push-denied').textContent()).toContain('To allow them again, open the site settings');
      expect(await page.getByTestId('push-enable').count()).toBe(0);
    } else {
      expect(permission).toBe('default');
      expect(await page.getByTestId('push-control').getByRole('alert').textContent()).toContain('to be asked again');
    }
    await screenshot(page, 'notifications-denied');
    await ctx.close();
  });

  it('explains when the browser has no Push API, and offers no button', async () => {
    const { ctx, page } = await home('student002', { grant: true, noPushApi: true });
    expect(await waitForControlState(page, ['unsupported'])).toBe('unsupported');
    expect(await page.getByTestId('push-unsupported').textContent()).toContain('cannot receive push notifications');
    expect(await page.getByTestId('push-enable').count()).toBe(0);
    await ctx.close();
  });

  it('with the permission granted, Enable subscribes, or says in words why this browser cannot', async () => {
    await expectPushEndpoints('student003');
    const { ctx, page } = await home('student003', { grant: true });
    await waitForServiceWorker(page);
    expect(await waitForControlState(page, ['off'])).toBe('off');
    await page.getByTestId('push-enable').click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="push-on"]') || document.querySelector('[data-testid="push-control"] [role="alert"]'),
      null,
      { timeout: 45_000 },
    );
    await screenshot(page, 'notifications-enable');
    if ((await controlState(page)) === 'on') {
      // A push service answered: the id is remembered, and Disable ends it.
      const remembered = await page.evaluate(() => localStorage.getItem('rollcall.push.5'));
      expect(JSON.parse(remembered!)).toMatchObject({ endpoint: expect.stringMatching(/^https:\/\//) });
      await page.getByTestId('push-disable').click();
      expect(await waitForControlState(page, ['off'])).toBe('off');
      expect(await page.evaluate(() => localStorage.getItem('rollcall.push.5'))).toBeNull();
    } else {
      // No push service for this browser: the words for it, and the browser really
      // refuses (the same call, made directly, is refused too).
      const text = await page.getByTestId('push-control').getByRole('alert').textContent();
      expect(text).toMatch(/^(This browser could not subscribe to notifications\.|This browser's push service did not answer\.)/);
      const direct = await page.evaluate(async () => {
        const reg = await navigator.serviceWorker.ready;
        const r = await fetch('/api/v1/push/vapid-public-key', {
          headers: { Authorization: `Bearer ${JSON.parse(localStorage.getItem('rollcall.auth')!).token}` },
        });
        const key = (await r.json()).public_key as string;
        const raw = atob(key.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (key.length % 4)) % 4));
        try {
          await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: Uint8Array.from(raw, (c) => c.charCodeAt(0)) });
          return 'subscribed';
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
      });
      expect(direct).not.toBe('subscribed');
      expect(await controlState(page)).toBe('off');
      expect(await page.evaluate(() => localStorage.getItem('rollcall.push.5'))).toBeNull();
    }
    await ctx.close();
  });
});

describe('the preferences', () => {
  it('a student sees the two kinds that fit, loaded from the server; a change is saved and still there after a reload', async () => {
    const token = await expectPushEndpoints('student001');
    const { ctx, page } = await home('student001');
    const prefs = page.getByTestId('push-preferences');
    await page.waitForFunction(() => !(document.querySelector('[data-testid="push-preferences"]') as HTMLFieldSetElement).disabled, null, {
      timeout: 10_000,
    });
    expect(await prefs.locator('input[type="checkbox"]').count()).toBe(2);
    expect(await page.getByTestId('push-pref-missing_digest').count()).toBe(0);
    const before = (await api(server.url, token, 'GET', '/api/v1/push/preferences')).json;
    expect(await page.getByTestId('push-pref-session_opened').isChecked()).toBe(before.session_opened);
    expect(await page.getByTestId('push-pref-status_changed').isChecked()).toBe(before.status_changed);

    const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/push/preferences') && r.request().method() === 'PUT');
    await page.getByTestId('push-pref-status_changed').setChecked(!before.status_changed);
    expect((await saved).status()).toBe(200);
    const after = (await api(server.url, token, 'GET', '/api/v1/push/preferences')).json;
    expect(after.status_changed).toBe(!before.status_changed);
    expect(after.session_opened).toBe(before.session_opened);

    await page.reload();
    await page.waitForFunction(() => !(document.querySelector('[data-testid="push-preferences"]') as HTMLFieldSetElement).disabled, null, {
      timeout: 10_000,
    });
    expect(await page.getByTestId('push-pref-status_changed').isChecked()).toBe(!before.status_changed);
    expect(await page.getByTestId('push-preferences').getByRole('alert').count()).toBe(0);
    await screenshot(page, 'notifications-student-preferences');
    await ctx.close();
  });

  it('a teacher sees only the missing-students digest', async () => {
    await expectPushEndpoints('teacher1');
    const { ctx, page } = await home('teacher1');
    await page.waitForFunction(() => !(document.querySelector('[data-testid="push-preferences"]') as HTMLFieldSetElement).disabled, null, {
      timeout: 10_000,
    });
    expect(await page.getByTestId('push-preferences').locator('input[type="checkbox"]').count()).toBe(1);
    await page.getByTestId('push-pref-missing_digest').waitFor();
    await ctx.close();
  });
});
