// A class's session history (issue 23): the teacher opens "History" from the
// class page, sees past sessions with their date, status and counts, opens a
// closed one and corrects a student from absent to excused; the list's counts
// show the correction.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, headingProblems } from './a11y';
import { api, apiLogin, launchBrowser, removeDir, row, signIn, startServer, until, waitForRowStatus, type Server } from './helpers';

let server: Server;
let browser: Browser;
let teacher: Page;
let sessionId = 0;
// student001..005 are users 3..7, in class 1.
const S = (k: number) => 2 + k;

/** The history list's counts for a session, by status (`data-count` cells). */
async function listedCounts(p: Page, id: number): Promise<Record<string, string>> {
  return p.$$eval(`[data-testid="history-row"][data-session-id="${id}"] [data-count]`, (els) =>
    Object.fromEntries(els.map((e) => [e.getAttribute('data-count')!, e.textContent!.trim()])),
  );
}

beforeAll(async () => {
  server = await startServer({ classSize: 5 });
  // A past lesson: student001 checked in, the rest absent at the close.
  const t = await apiLogin(server.url, 'teacher1');
  const open = await api(server.url, t.token, 'POST', '/api/v1/classes/1/sessions', { late_after_minutes: 5 });
  expect(open.status).toBe(201);
  sessionId = open.json.id;
  const s1 = await apiLogin(server.url, 'student001');
  const ci = await api(server.url, s1.token, 'POST', '/api/v1/attendance/check-in', { method: 'verification_code', class_id: 1, code: open.json.verification_code });
  expect(ci.status).toBe(201);
  expect((await api(server.url, t.token, 'POST', `/api/v1/sessions/${sessionId}/close`)).status).toBe(200);

  browser = await launchBrowser();
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  teacher = await ctx.newPage();
  await teacher.goto(server.url + '/class/1');
  await signIn(teacher, 'teacher1');
});

afterAll(async () => {
  await browser?.close();
  const code = await server?.stop();
  expect(code).toBe(0);
  removeDir(server.dataDir);
});

describe('session history', () => {
  it('lists the past session with its date, status and counts', async () => {
    await teacher.getByRole('link', { name: 'History' }).click();
    await teacher.getByRole('heading', { level: 1, name: 'Class 1: history' }).waitFor();
    const r = teacher.locator(`[data-testid="history-row"][data-session-id="${sessionId}"]`);
    await r.waitFor();
    expect(await r.textContent()).toContain('Closed');
    // The date as the browser shows the start (local time).
    const started = await teacher.evaluate(() => new Date().toLocaleDateString());
    expect(await r.textContent()).toContain(started);
    expect(await listedCounts(teacher, sessionId)).toMatchObject({ present: '1', absent: '4', excused: '0' });
    expect(await teacher.title()).toBe('Class 1: history - rollcall');
    expect(await axeViolations(teacher)).toBe('');
    expect(await headingProblems(teacher)).toEqual([]);
  });

  it('opens the session and corrects an absent student to excused', async () => {
    const r = teacher.locator(`[data-testid="history-row"][data-session-id="${sessionId}"]`);
    await r.getByRole('link').click();
    await until('the session page', async () => (await teacher.title()).startsWith('Class 1: session of'), 5_000);
    await waitForRowStatus(teacher, S(2), 'absent');
    expect(await headingProblems(teacher)).toEqual([]);
    expect(await axeViolations(teacher)).toBe('');
    await row(teacher, S(2)).getByRole('button', { name: 'Override Student 002' }).click();
    const d = teacher.getByRole('dialog', { name: 'Override Student 002' });
    await d.waitFor();
    await d.getByLabel('Status').selectOption('excused');
    await d.getByLabel('Reason').fill('doctor');
    await d.getByRole('button', { name: 'Save override' }).click();
    await waitForRowStatus(teacher, S(2), 'excused');
  });

  it('the list shows the corrected counts', async () => {
    await teacher.getByRole('link', { name: /Back to the history/ }).click();
    await teacher.locator(`[data-testid="history-row"][data-session-id="${sessionId}"]`).waitFor();
    await until('the corrected counts', async () => {
      const c = await listedCounts(teacher, sessionId);
      return c.absent === '3' && c.excused === '1' && c.present === '1';
    }, 5_000);
  });
});
