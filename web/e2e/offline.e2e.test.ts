// A student without a connection: the app starts from the service worker's cache,
// a check-in is kept in IndexedDB as a sync op (op_id, client_time), survives
// closing the tab, and is sent through POST /api/v1/sync when the connection
// returns; it counts at the time the student checked in, not when it arrived.

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  apiLogin,
  launchBrowser,
  newContext,
  removeDir,
  row,
  screenshot,
  signIn,
  startServer,
  storedOps,
  syncPending,
  until,
  waitForPending,
  waitForRowStatus,
  waitForServiceWorker,
  waitForStatus,
  type Server,
} from './helpers';

let server: Server;
let browser: Browser;
let teacher: Page;
let teacherToken = '';
let code = '';
let sessionId = 0;
// student001..student005 are users 3..7, all in class 1.
const S = (k: number) => 2 + k;

async function recordOf(studentId: number): Promise<any> {
  const r = await api(server.url, teacherToken, 'GET', `/api/v1/sessions/${sessionId}/attendance`);
  expect(r.status).toBe(200);
  return r.json.records.find((x: any) => x.student_id === studentId);
}

/** A student's phone, signed in, on the class page, live, with the shell cached. */
async function studentOnClassPage(username: string): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await newContext(browser, true);
  const page = await ctx.newPage();
  await page.goto(server.url + '/');
  await signIn(page, username);
  await page.getByRole('link', { name: /Class 1/ }).click();
  await waitForStatus(page, 'live');
  await page.getByTestId('checkin-code-input').waitFor();
  await waitForServiceWorker(page);
  return { ctx, page };
}

/**
 * Takes the phone offline and waits until the app noticed. Chromium's emulated
 * offline state can flip back to online by itself when one of the context's
 * targets goes away (seen: an `online` event about a second after a tab closed,
 * and the queued check-in sent), so every request to the server also fails
 * until goOnline: the phone stays offline as a real one would.
 */
async function goOffline(ctx: BrowserContext, page: Page): Promise<void> {
  await ctx.route('**/*', (route) => route.abort('internetdisconnected'));
  await ctx.setOffline(true);
  await waitForStatus(page, 'offline');
  expect(await page.evaluate(() => navigator.onLine)).toBe(false);
}

async function goOnline(ctx: BrowserContext): Promise<void> {
  await ctx.unrouteAll();
  await ctx.setOffline(false);
}

beforeAll(async () => {
  server = await startServer({ classSize: 5 });
  browser = await launchBrowser();
  const teacherCtx = await newContext(browser);
  teacher = await teacherCtx.newPage();
  await teacher.goto(server.url + '/class/1');
  await signIn(teacher, 'teacher1');
  await waitForStatus(teacher, 'live');
  // A static code: this test reads it once and uses it for minutes.
  await teacher.getByLabel('Change the code with the QR code').uncheck();
  await teacher.getByRole('button', { name: 'Start session', exact: true }).click();
  await teacher.getByTestId('verification-code').waitFor();
  code = (await teacher.getByTestId('verification-code').textContent())!.trim();
  expect(code).toMatch(/^\d{6}$/);
  await until('5 rows', async () => (await teacher.getByTestId('student-row').count()) === 5);
  teacherToken = (await apiLogin(server.url, 'teacher1')).token;
  const cur = await api(server.url, teacherToken, 'GET', '/api/v1/classes/1/sessions/current');
  expect(cur.status).toBe(200);
  sessionId = cur.json.id;
  await teacher.evaluate(() => ((window as any).__noReload = true));
});

afterAll(async () => {
  await browser?.close();
  const exit = await server?.stop();
  expect(exit).toBe(0);
  removeDir(server.dataDir);
});

describe('offline check-in', () => {
  it('is saved on the device, survives closing the tab, and is sent with its own time when online', async () => {
    const { ctx, page: first } = await studentOnClassPage('student001');
    await screenshot(first, 'student-checkin-phone');
    await goOffline(ctx, first);

    // Reloading without a connection: the shell comes from the service worker.
    const resp = await first.reload();
    expect(resp?.fromServiceWorker()).toBe(true);
    await first.getByRole('heading', { name: 'Class 1' }).waitFor({ timeout: 10_000 });
    await first.getByTestId('checkin-code-input').waitFor();
    expect((await first.getByTestId('connection-status').textContent())?.trim()).toBe('offline');
    // Really offline: neither the page nor the service worker can reach the
    // server, so the page came from the service worker's cache.
    const probe = () => fetch('/healthz', { cache: 'no-store' }).then(() => 'reached', () => 'failed');
    expect(await first.evaluate(probe)).toBe('failed');
    const workers = ctx.serviceWorkers();
    expect(workers).toHaveLength(1);
    expect(await workers[0].evaluate(probe)).toBe('failed');
    // Without a snapshot the app does not pretend to know the session.
    expect(await first.getByTestId('session-state').textContent()).toContain('unknown');

    await first.getByTestId('checkin-code-input').fill(code);
    const clickedAt = Date.now();
    await first.getByTestId('checkin-submit').click();
    await first.getByTestId('checkin-result').getByText('saved, will send when online', { exact: false }).waitFor({ timeout: 5_000 });
    await waitForPending(first, 1);
    // "My status" says the check-in waits on this device.
    await first.locator('[data-testid="my-status"][data-status="waiting"]').getByText('Waiting to send').waitFor({ timeout: 2_000 });
    const pendingOp = first.getByTestId('pending-op');
    expect(await pendingOp.count()).toBe(1);
    const clientTime = (await pendingOp.getAttribute('data-client-time'))!;
    const opId = (await pendingOp.getAttribute('data-op-id'))!;
    expect(Math.abs(Date.parse(clientTime) - clickedAt)).toBeLessThan(2_000);
    // Stored as a sync op in IndexedDB.
    const ops = await storedOps(first);
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ op_id: opId, kind: 'check_in', method: 'verification_code', class_id: 1, code, client_time: clientTime });
    await screenshot(first, 'student-offline-pending-phone');

    // Not sent yet: the teacher (and the server) still see "not checked in".
    expect(await row(teacher, S(1)).getAttribute('data-status')).toBe('unmarked');
    expect((await recordOf(S(1))).attendance_status).toBe('unmarked');

    // Closing the tab loses nothing: a new tab, still offline, shows the same op.
    await first.close();
    const page = await ctx.newPage();
    const resp2 = await page.goto(server.url + '/class/1');
    expect(resp2?.fromServiceWorker()).toBe(true);
    await page.getByTestId('checkin-code-input').waitFor({ timeout: 10_000 });
    await waitForPending(page, 1);
    expect(await page.getByTestId('pending-op').getAttribute('data-op-id')).toBe(opId);
    expect(await row(teacher, S(1)).getAttribute('data-status')).toBe('unmarked');

    // Some time passes before the connection returns.
    await until('2.5 s since the offline check-in', () => Date.now() - clickedAt >= 2_500, 5_000);
    const onlineAt = Date.now();
    await goOnline(ctx);
    await waitForPending(page, 0, 10_000);
    await page.getByTestId('checkin-result').getByText(/Offline check-in from .* sent: present\./).waitFor({ timeout: 5_000 });
    expect(await page.getByTestId('pending-op').count()).toBe(0);
    expect(await storedOps(page)).toHaveLength(0);
    await waitForRowStatus(teacher, S(1), 'present', 5_000);
    await waitForStatus(page, 'live', 15_000);
    await page.locator('[data-testid="my-status"][data-status="present"]').waitFor({ timeout: 5_000 });

    // The record counts at the offline client_time, not at the reconnect.
    const rec = await recordOf(S(1));
    expect(rec.attendance_status).toBe('present');
    expect(rec.check_in_time).not.toBeNull();
    const checkedIn = Date.parse(rec.check_in_time);
    expect(Math.abs(checkedIn - Date.parse(clientTime))).toBeLessThanOrEqual(1_000);
    expect(Math.abs(checkedIn - clickedAt)).toBeLessThan(2_000);
    expect(onlineAt - checkedIn).toBeGreaterThanOrEqual(2_000);
    await screenshot(teacher, 'teacher-dashboard-after-sync');
    expect(await teacher.evaluate(() => (window as any).__noReload === true)).toBe(true);
    await ctx.close();
  });

  it('sends one check-in however often it was submitted offline', async () => {
    const { ctx, page } = await studentOnClassPage('student002');
    const { token } = await apiLogin(server.url, 'student002');
    await goOffline(ctx, page);

    // A double submit (two submits in the same task, before the button is disabled).
    await page.getByTestId('checkin-code-input').fill(code);
    await page.evaluate(() => {
      const form = document.querySelector('[data-testid="checkin-code-input"]')!.closest('form')!;
      form.requestSubmit();
      form.requestSubmit();
    });
    await page.getByTestId('checkin-result').getByText('will send when online', { exact: false }).waitFor({ timeout: 5_000 });
    await waitForPending(page, 1);
    // And submitted again a moment later.
    await page.getByTestId('checkin-code-input').fill(code);
    await page.getByTestId('checkin-submit').click();
    await page.getByTestId('checkin-result').getByText('already saved', { exact: false }).waitFor({ timeout: 5_000 });
    expect(await syncPending(page)).toBe('1');
    const ops = await storedOps(page);
    expect(ops).toHaveLength(1);
    const op = ops[0];
    expect(await page.getByTestId('pending-op').count()).toBe(1);

    await goOnline(ctx);
    await waitForPending(page, 0, 10_000);
    await page.getByTestId('checkin-result').getByText(/Offline check-in from .* sent: present\./).waitFor({ timeout: 5_000 });
    await waitForRowStatus(teacher, S(2), 'present', 5_000);
    const rec = await recordOf(S(2));
    expect(Date.parse(rec.check_in_time)).toBe(Date.parse(op.client_time));

    // Sending the same op again (a retried batch) changes nothing: duplicate.
    const again = await api(server.url, token, 'POST', '/api/v1/sync', {
      client_id: 'e2e-retry',
      ops: [{ op_id: op.op_id, kind: 'check_in', method: op.method, class_id: op.class_id, code: op.code, client_time: op.client_time }],
    });
    expect(again.status).toBe(200);
    expect(again.json.results).toHaveLength(1);
    expect(again.json.results[0]).toMatchObject({ op_id: op.op_id, outcome: 'duplicate' });
    expect(again.json.results[0].record.check_in_time).toBe(rec.check_in_time);
    // One change in the audit log for this student, and one present in the counts.
    const audit = await api(server.url, teacherToken, 'GET', `/api/v1/sessions/${sessionId}/audit`);
    expect(audit.status).toBe(200);
    expect(audit.json.entries.filter((e: any) => e.student_id === S(2))).toHaveLength(1);
    const att = await api(server.url, teacherToken, 'GET', `/api/v1/sessions/${sessionId}/attendance`);
    expect(att.json.counts.present).toBe(2);
    expect(await row(teacher, S(2)).getAttribute('data-status')).toBe('present');
    await ctx.close();
  });
});
