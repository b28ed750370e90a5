// The student's class page on a phone (issue 23, problem 9): after too many wrong
// codes it says when codes work again and that the QR code still works, also
// after a reload; the code box closes, saying why, once the student is checked in
// and when the session is closed; no "Waiting to send: 0" badge.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiLogin, launchBrowser, newContext, removeDir, screenshot, signIn, startServer, waitForStatus, type Server } from './helpers';

let server: Server;
let browser: Browser;
let teacherToken = '';
let sessionId = 0;
let code = '';

async function studentOnClass1(username: string): Promise<Page> {
  const page = await (await newContext(browser, true)).newPage();
  await page.goto(server.url + '/class/1');
  await signIn(page, username);
  await waitForStatus(page, 'live');
  await page.getByTestId('session-state').getByText('Open since').waitFor();
  return page;
}

async function submitCode(page: Page, c: string): Promise<void> {
  await page.getByTestId('checkin-code-input').fill(c);
  await page.getByTestId('checkin-submit').click();
}

beforeAll(async () => {
  server = await startServer({ classSize: 5 });
  browser = await launchBrowser();
  teacherToken = (await apiLogin(server.url, 'teacher1')).token;
  const s = await api(server.url, teacherToken, 'POST', '/api/v1/classes/1/sessions', {});
  expect(s.status).toBe(201);
  sessionId = s.json.id;
  code = s.json.verification_code;
});

afterAll(async () => {
  await browser?.close();
  expect(await server?.stop()).toBe(0);
  removeDir(server.dataDir);
});

describe("the student's class page", () => {
  it('shows no pending badge when nothing waits to be sent', async () => {
    const page = await studentOnClass1('student005');
    expect(await page.getByTestId('sync-pending').count()).toBe(0);
    expect(await page.getByText('Waiting to send').count()).toBe(0);
    await page.context().close();
  });

  it('after 5 wrong codes: says until when, that the QR code works, also after a reload', async () => {
    const page = await studentOnClass1('student003');
    const wrong = code === '000000' ? '111111' : '000000';
    const firstAt = Date.now();
    for (let left = 4; left >= 1; left--) {
      await submitCode(page, wrong);
      await page.getByTestId('checkin-result').getByText(`Wrong code. ${left} attempt${left === 1 ? '' : 's'} left.`).waitFor();
    }
    await submitCode(page, wrong);
    const lastAt = Date.now();
    const blocked = page.getByTestId('checkin-blocked');
    await blocked.getByText('Too many wrong codes. You can type a code again at').waitFor({ timeout: 5_000 });
    expect(await blocked.textContent()).toContain('Scanning the QR code still works');
    expect(await page.getByTestId('checkin-code-input').isDisabled()).toBe(true);
    // The time shown is 10 minutes after the first of the five wrong codes.
    const until = await page.evaluate(() => {
      const k = Object.keys(localStorage).find((k) => k.startsWith('rollcall.lockout.'))!;
      return JSON.parse(localStorage.getItem(k)!).until as number;
    });
    expect(until).toBeGreaterThanOrEqual(firstAt + 10 * 60_000 - 1_000);
    expect(until).toBeLessThanOrEqual(lastAt + 10 * 60_000);
    const shown = await page.evaluate(
      (u) => new Date(u).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }),
      until,
    );
    expect(await blocked.textContent()).toContain(shown);
    await screenshot(page, 'student-too-many-codes-phone');

    // A reload keeps it: the box stays closed with the same time.
    await page.reload();
    await waitForStatus(page, 'live');
    await blocked.getByText(`You can type a code again at ${shown}`).waitFor({ timeout: 5_000 });
    expect(await page.getByTestId('checkin-code-input').isDisabled()).toBe(true);

    // The QR code still works.
    const qr = await api(server.url, teacherToken, 'GET', `/api/v1/sessions/${sessionId}/qr`);
    expect(qr.status).toBe(200);
    await page.goto(qr.json.check_in_url.replace(/^https?:\/\/[^/]+/, server.url));
    await page.getByTestId('checkin-result').getByText('Checked in: present.').waitFor({ timeout: 5_000 });
    await page.locator('[data-testid="my-status"][data-status="present"]').waitFor({ timeout: 2_000 });
    await page.context().close();
  });

  it('closes the code box once the student is checked in, saying why', async () => {
    const page = await studentOnClass1('student001');
    await submitCode(page, code);
    await page.getByTestId('checkin-result').getByText('Checked in: present.').waitFor({ timeout: 5_000 });
    await page.getByTestId('checkin-blocked').getByText('You are checked in (present). No code needed.').waitFor({ timeout: 2_000 });
    expect(await page.getByTestId('checkin-code-input').isDisabled()).toBe(true);
    expect(await page.getByTestId('checkin-submit').isDisabled()).toBe(true);
    await page.context().close();
  });

  it('closes the code box when the teacher closes the session', async () => {
    const page = await studentOnClass1('student002');
    expect(await page.getByTestId('checkin-code-input').isDisabled()).toBe(false);
    const closed = await api(server.url, teacherToken, 'POST', `/api/v1/sessions/${sessionId}/close`);
    expect(closed.status).toBe(200);
    await page.getByTestId('checkin-blocked').getByText('This session is closed: check-in is over.').waitFor({ timeout: 3_000 });
    expect(await page.getByTestId('checkin-code-input').isDisabled()).toBe(true);
    await screenshot(page, 'student-session-closed-phone');
    await page.context().close();
  });
});
