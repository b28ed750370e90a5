// A scanned QR code outlives the sign-in (issue 23, problem 2): a student who
// opens a check-in link while signed out is checked in with it once signed in;
// if the token ran out meanwhile, the page says so and offers the 6-digit code
// box for that class right there.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiLogin, launchBrowser, newContext, removeDir, screenshot, signIn, startServer, until, type Server } from './helpers';

let server: Server;
let browser: Browser;
let teacherToken = '';
let sessionId = 0;
let code = '';
// student001 is user 3, in class 1. QR tokens rotate every 2 s (valid 4 s at most).
const S = (k: number) => 2 + k;

/** A real check-in link of the open session, and when its token runs out. */
async function qrLink(): Promise<{ url: string; expiresAt: number }> {
  const qr = await api(server.url, teacherToken, 'GET', `/api/v1/sessions/${sessionId}/qr`);
  expect(qr.status).toBe(200);
  return { url: qr.json.check_in_url.replace(/^https?:\/\/[^/]+/, server.url), expiresAt: Date.parse(qr.json.expires_at) };
}

async function statusOf(studentId: number): Promise<string> {
  const r = await api(server.url, teacherToken, 'GET', `/api/v1/sessions/${sessionId}/attendance`);
  return r.json.records.find((x: any) => x.student_id === studentId).attendance_status;
}

beforeAll(async () => {
  server = await startServer({ classSize: 3, extraArgs: ['--qr-rotation-s', '2'] });
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

describe('a QR link opened while signed out', () => {
  it('runs out during the sign-in: the page says so and offers the code box for that class', async () => {
    const page: Page = await (await newContext(browser, true)).newPage();
    const link = await qrLink();
    await page.goto(link.url);
    await page.getByText('Sign in to check in.').waitFor();
    // The student is slow to sign in: the token runs out first.
    await until('the QR token to run out', () => Date.now() > link.expiresAt + 500, 10_000, 100);
    await signIn(page, 'student001');
    await page.getByTestId('checkin-result').getByText('This QR code is not valid any more').waitFor({ timeout: 5_000 });
    const box = page.getByTestId('qr-fallback');
    await box.getByRole('heading', { name: 'Check in to Class 1 with the code' }).waitFor({ timeout: 5_000 });
    expect(await statusOf(S(1))).toBe('unmarked');
    await screenshot(page, 'student-qr-expired-code-box-phone');
    await box.getByTestId('checkin-code-input').fill(code);
    await box.getByTestId('checkin-submit').click();
    await page.getByTestId('checkin-result').getByText('Checked in: present.').waitFor({ timeout: 5_000 });
    expect(new URL(page.url()).pathname).toBe('/class/1');
    expect(await statusOf(S(1))).toBe('present');
  });
});
