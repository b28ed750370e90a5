// The admin's roster import (issue 21, POST /api/v1/admin/oneroster): reachable from
// the home page for admins only, one request however often Import is pressed, the
// counts and the initial passwords (shown once, downloadable), users who can sign in
// afterwards, and a refused export's rows with their file and line.

import { closeSync, mkdtempSync, openSync, readFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROSTER_ZIP_MAX_BYTES } from '../src/api/limits';
import { launchBrowser, removeDir, screenshot, signIn, startServer, type Server } from './helpers';
import { makeZip } from './zip';

const USERS =
  'sourcedId,status,enabledUser,role,username,givenName,familyName,password\n' +
  'u-t1,active,true,teacher,mrs.imported,Ada,Imported,Imported-Teacher-1\n' +
  'u-s1,active,true,student,imported.student1,Ben,Imported,Imported-Student-1\n' +
  'u-s2,active,true,student,imported.student2,Cleo,Imported,\n'; // no password: the server makes one
const CLASSES = 'sourcedId,status,title\nc-1,active,Imported Class\n';
const ENROLLMENTS = 'sourcedId,classSourcedId,userSourcedId,role\ne-1,c-1,u-t1,teacher\ne-2,c-1,u-s1,student\ne-3,c-1,u-s2,student\n';

const goodZip = () =>
  makeZip([
    { name: 'users.csv', data: USERS },
    { name: 'classes.csv', data: CLASSES },
    { name: 'enrollments.csv', data: ENROLLMENTS },
  ]);

// A new user, and an enrollment on line 3 naming a class the export does not have.
const badZip = () =>
  makeZip([
    { name: 'users.csv', data: 'sourcedId,role,username,password\nu-x,student,never.imported,Never-Imported-1\n' },
    { name: 'classes.csv', data: 'sourcedId,title\nc-x,Never Class\n' },
    { name: 'enrollments.csv', data: 'sourcedId,classSourcedId,userSourcedId,role\ne-x1,c-x,u-x,student\ne-x2,c-missing,u-x,student\n' },
  ]);

let server: Server;
let browser: Browser;
let tmp: string;
const contexts: BrowserContext[] = [];

/** A desktop context without the service worker, so page.route sees every request. */
async function freshPage(): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
  contexts.push(ctx);
  const page = await ctx.newPage();
  await page.goto(server.url + '/');
  return page;
}

/** Every roster upload the page sends. */
function countUploads(page: Page): { n: number } {
  const seen = { n: 0 };
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/admin/oneroster') seen.n += 1;
  });
  return seen;
}

async function openImportPage(page: Page): Promise<void> {
  await page.getByTestId('admin-roster-import').click();
  await page.getByRole('heading', { name: 'Roster import' }).waitFor();
}

async function pick(page: Page, name: string, buffer: Buffer): Promise<void> {
  await page.getByLabel('OneRoster export (.zip)').setInputFiles({ name, mimeType: 'application/zip', buffer });
}

/** Waits for the import's answer on the page and checks it is `want` (else fails at once, with the page's words). */
async function answer(page: Page, want: 'import-result' | 'roster-errors'): Promise<void> {
  const outcome = page.locator('[data-testid="import-result"], [data-testid="roster-errors"], [data-testid="import-failed"]');
  await outcome.first().waitFor({ timeout: 30_000 });
  const shown = await outcome.first().getAttribute('data-testid');
  if (shown !== want) throw new Error(`the page shows ${shown}, not ${want}: ${await outcome.first().textContent()}`);
}

const importButton = (page: Page) => page.getByRole('button', { name: 'Import', exact: true });

async function tableRows(page: Page, testId: string): Promise<string[][]> {
  return page.$$eval(`[data-testid="${testId}"]`, (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent!.trim())));
}

/** Signs out, and goes to the home page (the next user signs in there, not on /admin/roster). */
async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  await page.goto(server.url + '/');
}

beforeAll(async () => {
  server = await startServer({ demoClasses: 1, classSize: 2 });
  browser = await launchBrowser();
  tmp = mkdtempSync(join(tmpdir(), 'rollcall-admin-import-'));
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  const code = await server?.stop();
  if (server) removeDir(server.dataDir);
  if (tmp) removeDir(tmp);
  expect(code).toBe(0);
});

describe('roster import page', () => {
  it('is not offered to a teacher, and tells one who opens it that it is for administrators', async () => {
    const page = await freshPage();
    await signIn(page, 'teacher1');
    await page.locator('.class-link').first().waitFor();
    expect(await page.getByTestId('admin-roster-import').count()).toBe(0);
    expect(await page.getByText('Administration').count()).toBe(0);
    await page.goto(server.url + '/admin/roster');
    await page.getByTestId('admin-only').waitFor();
    expect(await page.getByTestId('admin-only').textContent()).toContain('Only administrators can import a roster.');
    expect(await page.getByLabel('OneRoster export (.zip)').count()).toBe(0);
  });

  it('refuses a file over 64 MiB without sending it', async () => {
    const page = await freshPage();
    const uploads = countUploads(page);
    await signIn(page, 'admin');
    await openImportPage(page);
    // Sparse: 64 MiB + 1 byte that take no room on disk.
    const big = join(tmp, 'district.zip');
    closeSync(openSync(big, 'w'));
    truncateSync(big, ROSTER_ZIP_MAX_BYTES + 1);
    await page.getByLabel('OneRoster export (.zip)').setInputFiles(big);
    await page.getByRole('alert').filter({ hasText: 'the server takes at most 64 MiB' }).waitFor({ timeout: 5_000 });
    expect(await importButton(page).isDisabled()).toBe(true);
    expect(uploads.n).toBe(0);
  });

  it('imports a zip once, shows the counts and the passwords, and the new users can sign in', async () => {
    const page = await freshPage();
    const uploads = countUploads(page);
    await signIn(page, 'admin');
    await openImportPage(page);
    await pick(page, 'district.zip', goodZip());

    // Hold the upload so the page's busy state can be seen and pressed again.
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/api/v1/admin/oneroster', async (route) => {
      await held;
      await route.continue();
    });
    await importButton(page).click();
    await page.getByTestId('import-working').waitFor();
    expect(await page.getByRole('button', { name: 'Importing…' }).isDisabled()).toBe(true);
    expect(await page.getByLabel('OneRoster export (.zip)').isDisabled()).toBe(true);
    // Enter in the form, a script: the form is submitted again, and nothing is sent.
    await page.evaluate(() => document.querySelector<HTMLFormElement>('form.import-form')!.requestSubmit());
    release();

    await answer(page, 'import-result');
    expect(uploads.n).toBe(1);
    expect(await page.locator('.import-summary li').allTextContents()).toEqual([
      'Users: 3 added, 0 updated.',
      'Classes: 1 added, 0 updated.',
      'Enrollments: 3 added.',
      '1 new user had no password in the file and got one from the server (below).',
    ]);
    const passwords = await tableRows(page, 'initial-password');
    expect(passwords.map((r) => r[0])).toEqual(['imported.student2']);
    const initial = passwords[0][1];
    expect(initial.length).toBeGreaterThan(0);
    expect(await page.getByTestId('initial-passwords').textContent()).toContain('shown only this once');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 10_000 }),
      page.getByRole('button', { name: 'Download passwords (CSV)' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^import-passwords-\d{8}T\d{6}Z\.csv$/);
    expect(readFileSync((await download.path())!, 'utf8')).toBe(`username,password\nimported.student2,${initial}\n`);
    await screenshot(page, 'admin-import-result');

    // The import took effect: a new student signs in with the password of users.csv,
    // the other with the one the server made, and both see the new class.
    await signOut(page);
    await signIn(page, 'imported.student1', 'Imported-Student-1');
    await page.locator('.class-link', { hasText: 'Imported Class' }).waitFor();
    await signOut(page);
    await signIn(page, 'imported.student2', initial);
    await page.locator('.class-link', { hasText: 'Imported Class' }).waitFor();

    // The passwords went with the admin's sign-out.
    await signOut(page);
    await signIn(page, 'admin');
    await openImportPage(page);
    expect(await page.getByTestId('initial-passwords').count()).toBe(0);
    expect(await page.getByTestId('import-result').count()).toBe(0);
  });

  it('shows a refused export row by row, with its file and line, and imports nothing', async () => {
    const page = await freshPage();
    await signIn(page, 'admin');
    await openImportPage(page);
    await pick(page, 'broken.zip', badZip());
    await importButton(page).click();
    await answer(page, 'roster-errors');
    expect(await page.getByTestId('roster-errors').getByRole('alert').textContent()).toContain('Nothing was imported');
    const rows = await tableRows(page, 'roster-error');
    expect(rows.length).toBeGreaterThanOrEqual(1);
    const [file, line, message] = rows[0];
    expect([file, line]).toEqual(['enrollments.csv', 'line 3']);
    expect(message).toContain('c-missing');
    await screenshot(page, 'admin-import-refused');

    // Nothing changed: the export's new user does not exist.
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'never.imported', password: 'Never-Imported-1' }),
    });
    expect(login.status).toBe(401);
  });
});
