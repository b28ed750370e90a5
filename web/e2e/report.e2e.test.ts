// A class's report (issue 23): each student's totals and attendance rate as a
// percentage, a date range that changes them, and the report and attendance
// CSV files for the same range.

import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, headingProblems } from './a11y';
import { api, apiLogin, launchBrowser, removeDir, screenshot, signIn, startServer, until, type Server } from './helpers';

let server: Server;
let browser: Browser;
let teacher: Page;
// student001..005 are users 3..7, in class 1.
const S = (k: number) => 2 + k;

async function reportRow(p: Page, k: number): Promise<Record<string, string>> {
  return p.$$eval(`[data-testid="report-row"][data-student-id="${S(k)}"] [data-col]`, (els) =>
    Object.fromEntries(els.map((e) => [e.getAttribute('data-col')!, e.textContent!.trim()])),
  );
}

/** A closed session in which the students `present` checked in (the rest absent). */
async function lesson(teacherToken: string, present: number[]): Promise<void> {
  const open = await api(server.url, teacherToken, 'POST', '/api/v1/classes/1/sessions', {});
  expect(open.status).toBe(201);
  for (const k of present) {
    const s = await apiLogin(server.url, `student00${k}`);
    const r = await api(server.url, s.token, 'POST', '/api/v1/attendance/check-in', { method: 'verification_code', class_id: 1, code: open.json.verification_code });
    expect(r.status).toBe(201);
  }
  expect((await api(server.url, teacherToken, 'POST', `/api/v1/sessions/${open.json.id}/close`)).status).toBe(200);
}

beforeAll(async () => {
  server = await startServer({ classSize: 5 });
  const t = await apiLogin(server.url, 'teacher1');
  await lesson(t.token, [1, 2]);
  await lesson(t.token, [1]);
  browser = await launchBrowser();
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
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

describe('class report', () => {
  it('shows each student with totals and the rate as a percentage', async () => {
    await teacher.getByRole('link', { name: 'Report', exact: true }).click();
    await teacher.getByRole('heading', { level: 1, name: 'Class 1: report' }).waitFor();
    await teacher.getByTestId('report-row').first().waitFor();
    expect(await teacher.getByTestId('report-row').count()).toBe(5);
    expect(await reportRow(teacher, 1)).toMatchObject({ present: '2', absent: '0', sessions: '2', rate: '100%' });
    expect(await reportRow(teacher, 2)).toMatchObject({ present: '1', absent: '1', sessions: '2', rate: '50%' });
    expect(await reportRow(teacher, 3)).toMatchObject({ present: '0', absent: '2', rate: '0%' });
    expect(await teacher.title()).toBe('Class 1: report - rollcall');
    expect(await axeViolations(teacher)).toBe('');
    expect(await headingProblems(teacher)).toEqual([]);
    await screenshot(teacher, 'class-report');
  });

  it('downloads the report and the attendance as CSV', async () => {
    const [rep] = await Promise.all([teacher.waitForEvent('download', { timeout: 10_000 }), teacher.getByRole('button', { name: 'Download report (CSV)' }).click()]);
    expect(rep.suggestedFilename()).toBe('class-1-report.csv');
    const repText = readFileSync((await rep.path())!, 'utf8');
    expect(repText.split(/\r?\n/)[0]).toBe('student_id,student_name,present,late,absent,excused,unmarked,sessions,attendance_rate');
    expect(repText).toContain('Student 002');
    const [att] = await Promise.all([teacher.waitForEvent('download', { timeout: 10_000 }), teacher.getByRole('button', { name: 'Download attendance (CSV)' }).click()]);
    const attText = readFileSync((await att.path())!, 'utf8');
    expect(attText.split(/\r?\n/)[0]).toMatch(/^date,session_id,/);
    expect(attText.trim().split('\n').length).toBe(1 + 2 * 5);
  });

  it('a date range with no session empties the totals, and the files follow it', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await teacher.getByLabel('From').fill(tomorrow);
    await teacher.getByRole('button', { name: 'Show report' }).click();
    await until('the totals of the range', async () => (await reportRow(teacher, 1)).sessions === '0', 5_000);
    expect((await reportRow(teacher, 1)).rate).toBe('—');
    const [att] = await Promise.all([teacher.waitForEvent('download', { timeout: 10_000 }), teacher.getByRole('button', { name: 'Download attendance (CSV)' }).click()]);
    const attText = readFileSync((await att.path())!, 'utf8');
    expect(attText.trim().split('\n').length).toBe(1);
  });
});
