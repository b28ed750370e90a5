// The projector with a rotating code (issue 23): the teacher starts a session
// whose code changes with the QR code (every 2 s here), the projector shows the
// current code, a live "n/30 checked in" count and the time left before arrivals
// count as late; students who type the code on the screen are checked in, before
// and after it changes.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from './a11y';
import { launchBrowser, removeDir, screenshot, screenshotDir, signIn, startServer, until, waitForRowStatus, waitForStatus, type Server } from './helpers';

let server: Server;
let browser: Browser;
let teacher: Page;
const contexts: BrowserContext[] = [];
// student001 is user 3, in class 1.
const S = (k: number) => 2 + k;

async function projectorCode(p: Page): Promise<string> {
  return ((await p.getByTestId('projector-code').textContent()) ?? '').trim();
}

/** A student's phone, signed in, on the class page with the code box ready. */
async function studentReady(username: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  contexts.push(ctx);
  const p = await ctx.newPage();
  await p.goto(server.url + '/class/1');
  await signIn(p, username);
  await waitForStatus(p, 'live');
  await p.getByTestId('checkin-code-input').waitFor();
  return p;
}

/** The student types what the projector shows now (a code lasts 2 to 4 s here). */
async function typeProjectorCode(p: Page): Promise<string> {
  const code = await projectorCode(teacher);
  await p.getByTestId('checkin-code-input').fill(code);
  await p.getByTestId('checkin-submit').click();
  return code;
}

beforeAll(async () => {
  server = await startServer({ classSize: 30, extraArgs: ['--qr-rotation-s', '2'] });
  browser = await launchBrowser();
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  contexts.push(ctx);
  teacher = await ctx.newPage();
  await teacher.goto(server.url + '/class/1');
  await signIn(teacher, 'teacher1');
  await waitForStatus(teacher, 'live');
});

afterAll(async () => {
  await browser?.close();
  const code = await server?.stop();
  expect(code).toBe(0);
  removeDir(server.dataDir);
});

describe('projector with a rotating code', () => {
  it('starts a session whose code changes with the QR code', async () => {
    expect(await teacher.getByLabel('Change the code with the QR code').isChecked()).toBe(true);
    await teacher.getByLabel('Late after').selectOption('10');
    await teacher.getByRole('button', { name: 'Start session', exact: true }).click();
    const codeEl = teacher.getByTestId('verification-code');
    await codeEl.waitFor();
    const first = (await codeEl.textContent())!.trim();
    expect(first).toMatch(/^\d{6}$/);
    await teacher.getByText('The code changes with the QR code').waitFor();
    await until('the class page to show a new code', async () => ((await codeEl.textContent()) ?? '').trim() !== first, 8_000);
    await until('30 rows', async () => (await teacher.getByTestId('student-row').count()) === 30);
  });

  it('the projector shows the current code, the count and the time left before late', async () => {
    await teacher.getByRole('button', { name: 'Projector mode' }).click();
    const proj = teacher.getByRole('dialog', { name: 'Projector mode' });
    await proj.waitFor();
    await proj.getByText('0/30 checked in').waitFor();
    // 10 minutes from the start: "9:5x" left, counting down.
    await until('a countdown to the late cut-off', async () => /Late in (9|10):\d\d/.test((await proj.getByTestId('projector-late').textContent()) ?? ''), 3_000);
    const before = (await proj.getByTestId('projector-late').textContent()) ?? '';
    await until('the countdown to move', async () => ((await proj.getByTestId('projector-late').textContent()) ?? '') !== before, 3_000);
    expect(await axeViolations(teacher)).toBe('');
  });

  it('a student who types the code on the projector is checked in, and the count goes up', async () => {
    const p = await studentReady('student001');
    await typeProjectorCode(p);
    await p.getByTestId('checkin-result').getByText('Checked in').waitFor({ timeout: 5_000 });
    await teacher.getByRole('dialog', { name: 'Projector mode' }).getByText('1/30 checked in').waitFor({ timeout: 3_000 });
  });

  it('the code on the projector changes, and the new one works', async () => {
    const old = await projectorCode(teacher);
    await until('a new code on the projector', async () => (await projectorCode(teacher)) !== old, 6_000);
    const p = await studentReady('student002');
    const seen = await projectorCode(teacher);
    await until('yet another code on the projector', async () => (await projectorCode(teacher)) !== seen, 6_000);
    expect(await typeProjectorCode(p)).toMatch(/^\d{6}$/);
    await p.getByTestId('checkin-result').getByText('Checked in').waitFor({ timeout: 5_000 });
    await teacher.getByRole('dialog', { name: 'Projector mode' }).getByText('2/30 checked in').waitFor({ timeout: 3_000 });
    // The overlay covers the window (not the whole page): a window-sized picture.
    mkdirSync(screenshotDir, { recursive: true });
    await teacher.screenshot({ path: join(screenshotDir, 'projector-rotating-code.png') });
    await teacher.getByRole('button', { name: 'Exit projector' }).click();
    await teacher.getByRole('dialog', { name: 'Projector mode' }).waitFor({ state: 'detached' });
    await waitForRowStatus(teacher, S(2), 'present');
    await screenshot(teacher, 'teacher-roster-1366x768');
  });
});
