// Accessibility, as a test (issue 23, problem 10): axe-core (WCAG 2.0/2.1 A and
// AA) finds nothing on any page or dialog; input borders reach 3:1; each view has
// its own title and one h1; dialogs hold the keyboard focus and give it back; the
// focus lands on the new session after "Start session"; the pages fit a 320 px
// phone and a laptop at 200% zoom without scrolling sideways.

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, contrastRatio, focused, headingProblems, horizontalOverflow, inputBorderContrasts } from './a11y';
import { launchBrowser, removeDir, screenshot, signIn, startServer, until, waitForStatus, type Server } from './helpers';

let server: Server;
let browser: Browser;
let teacher: Page;
const contexts: BrowserContext[] = [];
// student001 is user 3, in class 1.
const S = (k: number) => 2 + k;

async function page(viewport: { width: number; height: number }, phone = false): Promise<Page> {
  const ctx = await browser.newContext({ viewport, ...(phone ? { deviceScaleFactor: 2, isMobile: true, hasTouch: true } : {}) });
  contexts.push(ctx);
  return ctx.newPage();
}

/** The checks every view gets: axe, the heading outline, the input borders, the title. */
async function checkView(p: Page, title: string): Promise<void> {
  await until(`the title "${title}"`, async () => (await p.title()) === title, 5_000).catch(async () => {
    expect(await p.title()).toBe(title);
  });
  expect(await axeViolations(p)).toBe('');
  expect(await headingProblems(p)).toEqual([]);
  for (const b of await inputBorderContrasts(p)) {
    expect(`${b.what}: ${contrastRatio(b.border, b.behind).toFixed(2)}`).toBe(
      `${b.what}: ${Math.max(3, contrastRatio(b.border, b.behind)).toFixed(2)}`,
    );
  }
}

/** Tab and Shift+Tab `n` times each: the focus never leaves the open dialog. */
async function focusStaysInDialog(p: Page, n = 12): Promise<void> {
  expect((await focused(p)).inDialog).toBe(true);
  for (const key of ['Tab', 'Shift+Tab']) {
    for (let i = 0; i < n; i++) {
      await p.keyboard.press(key);
      expect((await focused(p)).inDialog, `${key} #${i + 1}`).toBe(true);
    }
  }
}

/** Opens a dialog from `button` with the keyboard, checks it, closes it with Escape: the focus is back on the button. */
async function checkDialog(p: Page, button: string, dialog: string): Promise<void> {
  const opener = p.getByRole('button', { name: button, exact: true });
  await opener.focus();
  await p.keyboard.press('Enter');
  const d = p.getByRole('dialog', { name: dialog });
  await d.waitFor();
  expect(await axeViolations(p)).toBe('');
  await focusStaysInDialog(p);
  await p.keyboard.press('Escape');
  await d.waitFor({ state: 'detached' });
  expect(await focused(p)).toMatchObject({ tag: 'button', text: button });
}

beforeAll(async () => {
  server = await startServer({ classSize: 30 });
  browser = await launchBrowser();
  teacher = await page({ width: 1366, height: 768 });
  await teacher.goto(server.url + '/');
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  expect(await server?.stop()).toBe(0);
  removeDir(server.dataDir);
});

describe('accessibility', () => {
  it('sign-in page', async () => {
    await checkView(teacher, 'Sign in - rollcall');
  });

  it('home page', async () => {
    await signIn(teacher, 'teacher1');
    await teacher.getByRole('link', { name: /Class 1/ }).waitFor();
    await checkView(teacher, 'My classes - rollcall');
  });

  it('teacher class page: Start session moves the focus to the new session', async () => {
    await teacher.getByRole('link', { name: /Class 1/ }).click();
    await waitForStatus(teacher, 'live');
    const start = teacher.getByRole('button', { name: 'Start session', exact: true });
    await start.focus();
    await teacher.keyboard.press('Enter');
    await teacher.getByTestId('verification-code').waitFor();
    await until('the focus on the session heading', async () => {
      const f = await focused(teacher);
      return f.tag === 'h2' && f.text.startsWith('Session open');
    }, 3_000);
    await until('30 rows', async () => (await teacher.getByTestId('student-row').count()) === 30);
    await teacher.getByTestId('qr-image').waitFor();
    await checkView(teacher, 'Class 1 - rollcall');
  });

  it('override dialog: holds the focus, closes on Escape, gives the focus back', async () => {
    await checkDialog(teacher, 'Override Student 001', 'Override Student 001');
  });

  it('mark remaining dialog', async () => {
    await checkDialog(teacher, 'Mark remaining absent', 'Mark remaining absent?');
  });

  it('close session dialog', async () => {
    await checkDialog(teacher, 'Close session', 'Close the session?');
  });

  it('projector mode', async () => {
    await checkDialog(teacher, 'Projector mode', 'Projector mode');
  });

  it('student class page on a phone', async () => {
    const p = await page({ width: 390, height: 844 }, true);
    await p.goto(server.url + '/class/1');
    await signIn(p, 'student002');
    await waitForStatus(p, 'live');
    await p.getByTestId('session-state').getByText('Open since').waitFor();
    await checkView(p, 'Class 1 - rollcall');
    // A check-in's success text too.
    const code = (await teacher.getByTestId('verification-code').textContent())!.trim();
    await p.getByTestId('checkin-code-input').fill(code);
    await p.getByTestId('checkin-submit').click();
    await p.getByTestId('checkin-result').getByText('Checked in').waitFor();
    expect(await axeViolations(p)).toBe('');
  });

  it('late badge on the roster', async () => {
    await teacher.getByRole('button', { name: 'Override Student 003' }).click();
    await teacher.getByLabel('Status').selectOption('late');
    await teacher.getByRole('button', { name: 'Save override' }).click();
    await teacher.locator(`[data-testid="student-row"][data-student-id="${S(3)}"][data-status="late"]`).waitFor();
    expect(await axeViolations(teacher)).toBe('');
  });

  it('admin roster import page', async () => {
    const p = await page({ width: 1366, height: 768 });
    await p.goto(server.url + '/admin/roster');
    await signIn(p, 'admin');
    await p.getByLabel(/roster/i).first().waitFor();
    await checkView(p, 'Roster import - rollcall');
  });

  it('fits a 320 px wide phone: no sideways scrolling, every roster button on screen', async () => {
    const p = await page({ width: 320, height: 640 }, true);
    await p.goto(server.url + '/class/1');
    await signIn(p, 'teacher1');
    await until('30 rows', async () => (await p.getByTestId('student-row').count()) === 30);
    expect(await horizontalOverflow(p)).toBe(0);
    const rights = await p.$$eval('[data-testid="student-row"] button', (bs) => bs.map((b) => b.getBoundingClientRect().right));
    expect(rights.length).toBeGreaterThanOrEqual(30);
    expect(Math.max(...rights)).toBeLessThanOrEqual(320);
    await screenshot(p, 'a11y-320px-teacher-roster');
    const s = await page({ width: 320, height: 640 }, true);
    await s.goto(server.url + '/class/1');
    await signIn(s, 'student004');
    await waitForStatus(s, 'live');
    expect(await horizontalOverflow(s)).toBe(0);
    await screenshot(s, 'a11y-320px-student-class');
  });

  it('works at 200% zoom (a 1366x768 laptop: 683x384 CSS pixels)', async () => {
    const p = await page({ width: 683, height: 384 });
    await p.goto(server.url + '/class/1');
    await signIn(p, 'teacher1');
    await until('30 rows', async () => (await p.getByTestId('student-row').count()) === 30);
    expect(await horizontalOverflow(p)).toBe(0);
    await screenshot(p, 'a11y-200pct-teacher-class');
    await p.goto(server.url + '/');
    await p.getByRole('link', { name: /Class 1/ }).waitFor();
    expect(await horizontalOverflow(p)).toBe(0);
    await screenshot(p, 'a11y-200pct-home');
  });
});
