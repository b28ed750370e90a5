// The roster on a 1366x768 laptop (issue 23, problem 8): 20 or more of 30 rows
// on screen at once, a "Not yet" filter, one-tap Present / Late / Absent per row
// with the result shown in that row, and an override dialog that does not start
// on Excused for a student who has not checked in.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiLogin, launchBrowser, removeDir, row, screenshot, screenshotDir, signIn, startServer, until, waitForRowStatus, waitForStatus, type Server } from './helpers';

let server: Server;
let browser: Browser;
let teacher: Page;
let teacherToken = '';
let sessionId = 0;
// student k is user 2 + k, in class 1.
const S = (k: number) => 2 + k;
const name = (k: number) => `Student ${String(k).padStart(3, '0')}`;

async function recordOf(studentId: number): Promise<any> {
  const r = await api(server.url, teacherToken, 'GET', `/api/v1/sessions/${sessionId}/attendance`);
  return r.json.records.find((x: any) => x.student_id === studentId);
}

/** The row's note is on screen: inside the window, not scrolled away. */
async function noteOnScreen(k: number, text: string): Promise<void> {
  const note = row(teacher, S(k)).getByTestId('row-note');
  await note.getByText(text).waitFor({ timeout: 3_000 });
  const box = (await note.boundingBox())!;
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.y + box.height).toBeLessThanOrEqual(768);
}

beforeAll(async () => {
  server = await startServer({ classSize: 30 });
  browser = await launchBrowser();
  teacher = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
  await teacher.goto(server.url + '/class/1');
  await signIn(teacher, 'teacher1');
  await waitForStatus(teacher, 'live');
  await teacher.getByRole('button', { name: 'Start session', exact: true }).click();
  await until('30 rows', async () => (await teacher.getByTestId('student-row').count()) === 30);
  teacherToken = (await apiLogin(server.url, 'teacher1')).token;
  sessionId = (await api(server.url, teacherToken, 'GET', '/api/v1/classes/1/sessions/current')).json.id;
});

afterAll(async () => {
  await browser?.close();
  expect(await server?.stop()).toBe(0);
  removeDir(server.dataDir);
});

describe('the roster on a laptop', () => {
  it('shows 20 or more of 30 students at once', async () => {
    await teacher.locator('.roster-table').evaluate((t) => t.scrollIntoView({ block: 'start' }));
    const visible = await teacher.$$eval('[data-testid="student-row"]', (rows) =>
      rows.filter((r) => {
        const b = r.getBoundingClientRect();
        return b.top >= 0 && b.bottom <= window.innerHeight;
      }).length,
    );
    mkdirSync(screenshotDir, { recursive: true });
    await teacher.screenshot({ path: join(screenshotDir, 'roster-1366x768-window.png') }); // the window, as the teacher sees it
    expect(visible).toBeGreaterThanOrEqual(20);
  });

  it('marks a student present, late or absent with one key press, saying so in the row', async () => {
    for (const [k, status] of [
      [5, 'present'],
      [6, 'late'],
      [7, 'absent'],
    ] as const) {
      const b = teacher.getByRole('button', { name: `Mark ${name(k)} ${status}`, exact: true });
      await b.focus();
      await teacher.keyboard.press('Enter');
      await waitForRowStatus(teacher, S(k), status, 3_000);
      await noteOnScreen(k, `Marked ${status}`);
      expect(await b.getAttribute('aria-pressed')).toBe('true');
      expect(await recordOf(S(k))).toMatchObject({ attendance_status: status, is_manual_override: true, verification_method: 'teacher_override' });
    }
  });

  it('the override dialog starts on Present for a student not checked in, and its result shows in the row', async () => {
    await teacher.getByRole('button', { name: `Override ${name(9)}` }).click();
    expect(await teacher.getByLabel('Status').inputValue()).toBe('present');
    await teacher.getByLabel('Status').selectOption('excused');
    await teacher.getByLabel('Reason').fill('dentist');
    await teacher.getByRole('button', { name: 'Save override' }).click();
    await waitForRowStatus(teacher, S(9), 'excused', 3_000);
    await noteOnScreen(9, 'Marked excused');
  });

  it('filters the students not marked yet', async () => {
    const { token } = await apiLogin(server.url, 'student001');
    const code = (await api(server.url, teacherToken, 'GET', '/api/v1/classes/1/sessions/current')).json.verification_code;
    expect((await api(server.url, token, 'POST', '/api/v1/attendance/check-in', { method: 'verification_code', class_id: 1, code })).status).toBe(201);
    await waitForRowStatus(teacher, S(1), 'present', 3_000);
    const filter = teacher.getByLabel(/Show only “Not yet”/);
    await filter.check();
    // 30 minus student 1 (checked in), 5, 6, 7 (one tap) and 9 (dialog).
    await until('25 rows', async () => (await teacher.getByTestId('student-row').count()) === 25, 3_000);
    const statuses = await teacher.$$eval('[data-testid="student-row"]', (rs) => rs.map((r) => r.getAttribute('data-status')));
    expect(new Set(statuses)).toEqual(new Set(['unmarked']));
    await screenshot(teacher, 'roster-not-yet-filter');
    // Marking one from the filtered list keeps it there, with its note, until the filter changes.
    await teacher.getByRole('button', { name: `Mark ${name(2)} late`, exact: true }).click();
    await waitForRowStatus(teacher, S(2), 'late', 3_000);
    await noteOnScreen(2, 'Marked late');
    expect(await teacher.getByTestId('student-row').count()).toBe(25);
    await filter.uncheck();
    await until('30 rows', async () => (await teacher.getByTestId('student-row').count()) === 30, 3_000);
    await filter.check();
    await until('24 rows', async () => (await teacher.getByTestId('student-row').count()) === 24, 3_000);
    await filter.uncheck();
  });
});
