// The admin console (issue 23): "Attendance today" from the home card lists the
// classes that have not taken attendance first, marked, then the others with
// their counts; the users page searches by name or username, filters by role
// and pages with "Show more users". The roster import stays reachable.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, headingProblems } from './a11y';
import { api, apiLogin, launchBrowser, removeDir, screenshot, signIn, startServer, until, type Server } from './helpers';

let server: Server;
let browser: Browser;
let admin: Page;
let usersTotal = 0;

beforeAll(async () => {
  // 3 classes of 40: 120 students, more than one page of users.
  server = await startServer({ demoClasses: 3, classSize: 40 });
  const t = await apiLogin(server.url, 'teacher1');
  const open = await api(server.url, t.token, 'POST', '/api/v1/classes/2/sessions', {});
  expect(open.status).toBe(201);
  const s = await apiLogin(server.url, 'student041');
  expect((await api(server.url, s.token, 'POST', '/api/v1/attendance/check-in', { method: 'verification_code', class_id: 2, code: open.json.verification_code })).status).toBe(201);
  const a = await apiLogin(server.url, 'admin');
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const r = await api(server.url, a.token, 'GET', `/api/v1/admin/users${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
    usersTotal += r.json.users.length;
    cursor = r.json.next_cursor;
  }
  expect(usersTotal).toBeGreaterThan(100);
  browser = await launchBrowser();
  admin = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
  await admin.goto(server.url + '/');
  await signIn(admin, 'admin');
});

afterAll(async () => {
  await browser?.close();
  const code = await server?.stop();
  expect(code).toBe(0);
  removeDir(server.dataDir);
});

describe('admin console', () => {
  it('today: classes without attendance first and marked, then the others with counts', async () => {
    await admin.getByRole('link', { name: 'Attendance today' }).click();
    await admin.getByRole('heading', { level: 1, name: 'Attendance today' }).waitFor();
    await admin.getByTestId('today-class').first().waitFor();
    const order = await admin.$$eval('[data-testid="today-class"]', (els) =>
      els.map((e) => `${e.getAttribute('data-class-id')}:${e.getAttribute('data-taken')}`),
    );
    expect(order).toEqual(['1:no', '3:no', '2:yes']);
    await admin.getByRole('heading', { name: 'Not taken yet (2)' }).waitFor();
    expect(await admin.locator('[data-testid="today-class"][data-taken="no"]').first().textContent()).toContain('Not taken');
    const taken = admin.locator('[data-testid="today-class"][data-class-id="2"]');
    expect(await taken.locator('[data-count="present"] .n').textContent()).toBe('1');
    expect(await taken.locator('[data-count="unmarked"] .n').textContent()).toBe('39');
    expect(await admin.title()).toBe('Attendance today - rollcall');
    expect(await axeViolations(admin)).toBe('');
    expect(await headingProblems(admin)).toEqual([]);
    await screenshot(admin, 'admin-today');
  });

  it('users: pages of 100 with "Show more users"', async () => {
    await admin.getByRole('link', { name: 'Users', exact: true }).click();
    await admin.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await until('the first page', async () => (await admin.getByTestId('user-row').count()) === 100, 5_000);
    expect(await admin.title()).toBe('Users - rollcall');
    expect(await axeViolations(admin)).toBe('');
    expect(await headingProblems(admin)).toEqual([]);
    await admin.getByRole('button', { name: 'Show more users' }).click();
    await until('every user', async () => (await admin.getByTestId('user-row').count()) === usersTotal, 5_000);
    expect(await admin.getByRole('button', { name: 'Show more users' }).count()).toBe(0);
  });

  it('users: search by name and filter by role, with the keyboard', async () => {
    await admin.getByLabel('Name or username').fill('student04');
    await admin.keyboard.press('Enter');
    // student040..student049
    await until('the search result', async () => (await admin.getByTestId('user-row').count()) === 10, 5_000);
    expect(await admin.getByTestId('user-row').first().textContent()).toContain('Student 040');
    await admin.getByLabel('Name or username').fill('');
    await admin.getByLabel('Role').selectOption('teacher');
    await admin.getByRole('button', { name: 'Search' }).click();
    await until('the teachers', async () => {
      const rows = await admin.$$eval('[data-testid="user-row"]', (els) => els.map((e) => e.textContent ?? ''));
      return rows.length > 0 && rows.every((t) => t.includes('Teacher'));
    }, 5_000);
    await admin.getByLabel('Name or username').fill('nobody-has-this-name');
    await admin.keyboard.press('Enter');
    await admin.getByRole('heading', { name: 'No user matches' }).waitFor({ timeout: 5_000 });
  });

  it('the roster import stays reachable', async () => {
    await admin.getByRole('link', { name: 'Roster import' }).click();
    await until('the import page', async () => new URL(admin.url()).pathname === '/admin/roster', 5_000);
  });
});
