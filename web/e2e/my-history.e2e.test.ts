// The student's own history (issue 23), on a phone: "My attendance" from the
// home page lists every session of their classes, newest first, with the class,
// the date and the status in words (a teacher's reason included).

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, headingProblems, horizontalOverflow } from './a11y';
import { api, apiLogin, launchBrowser, newContext, removeDir, screenshot, signIn, startServer, type Server } from './helpers';

let server: Server;
let browser: Browser;
let student: Page;
const sessions: number[] = [];

beforeAll(async () => {
  server = await startServer({ classSize: 5 });
  const t = await apiLogin(server.url, 'teacher1');
  const s1 = await apiLogin(server.url, 'student001');
  // First lesson: student001 checks in. Second: absent at the close, then excused.
  for (const checkIn of [true, false]) {
    const open = await api(server.url, t.token, 'POST', '/api/v1/classes/1/sessions', {});
    expect(open.status).toBe(201);
    sessions.push(open.json.id);
    if (checkIn) {
      const r = await api(server.url, s1.token, 'POST', '/api/v1/attendance/check-in', { method: 'verification_code', class_id: 1, code: open.json.verification_code });
      expect(r.status).toBe(201);
    }
    expect((await api(server.url, t.token, 'POST', `/api/v1/sessions/${open.json.id}/close`)).status).toBe(200);
  }
  const fix = await api(server.url, t.token, 'PUT', `/api/v1/sessions/${sessions[1]}/attendance/${s1.userId}`, { status: 'excused', reason: 'doctor' });
  expect(fix.status).toBe(200);
  browser = await launchBrowser();
  student = await (await newContext(browser, true)).newPage();
  await student.goto(server.url + '/');
  await signIn(student, 'student001');
});

afterAll(async () => {
  await browser?.close();
  const code = await server?.stop();
  expect(code).toBe(0);
  removeDir(server.dataDir);
});

describe("the student's own history", () => {
  it('lists their sessions newest first, with class, date and status', async () => {
    await student.getByRole('link', { name: 'My attendance' }).click();
    await student.getByRole('heading', { level: 1, name: 'My attendance' }).waitFor();
    await student.getByTestId('my-record').first().waitFor();
    const items = await student.$$eval('[data-testid="my-record"]', (els) =>
      els.map((e) => ({ id: Number(e.getAttribute('data-session-id')), text: e.textContent ?? '' })),
    );
    expect(items.map((i) => i.id)).toEqual([sessions[1], sessions[0]]);
    expect(items[0].text).toContain('Class 1');
    expect(items[0].text).toContain('Excused (doctor)');
    expect(items[1].text).toContain('Present');
    const today = await student.evaluate(() => new Date().toLocaleDateString());
    expect(items[1].text).toContain(today);
    expect(await student.title()).toBe('My attendance - rollcall');
    expect(await axeViolations(student)).toBe('');
    expect(await headingProblems(student)).toEqual([]);
    expect(await horizontalOverflow(student)).toBe(0);
    await screenshot(student, 'student-history-phone');
  });

  it('is reachable with the keyboard from the home page and back', async () => {
    await student.getByRole('link', { name: '← My classes' }).click();
    await student.getByRole('heading', { level: 1, name: 'My classes' }).waitFor();
    await student.getByRole('link', { name: 'My attendance' }).focus();
    await student.keyboard.press('Enter');
    await student.getByRole('heading', { level: 1, name: 'My attendance' }).waitFor();
  });
});
