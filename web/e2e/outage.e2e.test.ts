// The server goes away during a lesson (issue 23, problem 7): the badge says
// offline (not "reconnecting" forever), projector mode warns that the code and QR
// code may not work and stops showing a QR code that ran out, and a page opened
// during the outage shows its data by itself once the server is back.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectionStatus,
  freePort,
  launchBrowser,
  removeDir,
  screenshot,
  signIn,
  startServer,
  until,
  waitForServiceWorker,
  waitForStatus,
  type Server,
} from './helpers';

let server: Server;
let browser: Browser;
let ctx: BrowserContext;
let teacher: Page;
let port = 0;
let dataDir = '';
// QR tokens rotate every 2 s, so one runs out (2 windows) within 4 s of the outage.
const start = () => startServer({ port, dataDir, classSize: 5, extraArgs: ['--qr-rotation-s', '2'] });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'rollcall-e2e-outage-'));
  port = await freePort();
  server = await start();
  browser = await launchBrowser();
  ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  teacher = await ctx.newPage();
  await teacher.goto(server.url + '/class/1');
  await signIn(teacher, 'teacher1');
  await waitForStatus(teacher, 'live');
  await waitForServiceWorker(teacher);
});

afterAll(async () => {
  await browser?.close();
  expect(await server?.stop()).toBe(0);
  removeDir(dataDir);
});

describe('a server outage during a lesson', () => {
  it('projector mode warns while the server is away, and clears once it is back', async () => {
    await teacher.getByRole('button', { name: 'Start session', exact: true }).click();
    await teacher.getByTestId('qr-image').waitFor();
    await teacher.getByRole('button', { name: 'Projector mode' }).click();
    const qr = teacher.getByTestId('projector-qr');
    await qr.waitFor();
    expect(await qr.getAttribute('data-stale')).toBe('false');
    expect(await teacher.getByTestId('projector-stale').count()).toBe(0);
    await teacher.evaluate(() => ((window as any).__marker = 'not reloaded'));

    expect(await server.stop()).toBe(0);
    const downAt = Date.now();
    // A clear warning at once, and the QR code faded.
    await teacher.getByTestId('projector-stale').getByText('No connection to the server').waitFor({ timeout: 5_000 });
    expect(await qr.getAttribute('data-stale')).toBe('true');
    await screenshot(teacher, 'outage-projector-stale');
    // The badge says offline within 10 s (two failed reconnects, or 10 s).
    await waitForStatus(teacher, 'offline', 12_000);
    expect(Date.now() - downAt).toBeLessThan(12_000);
    // The QR code runs out: it is no longer shown at all, and the warning says so.
    await teacher.getByTestId('projector-qr-expired').waitFor({ timeout: 6_000 });
    expect(await teacher.getByTestId('projector-qr').count()).toBe(0);
    expect(await teacher.getByTestId('projector-stale').textContent()).toContain('could not be renewed');
    await screenshot(teacher, 'outage-projector-qr-expired');

    server = await start();
    await waitForStatus(teacher, 'live', 20_000);
    await teacher.getByTestId('projector-stale').waitFor({ state: 'detached', timeout: 10_000 });
    await qr.waitFor({ timeout: 10_000 });
    expect(await qr.getAttribute('data-stale')).toBe('false');
    expect(await teacher.getByRole('dialog', { name: 'Projector mode' }).count()).toBe(1);
    expect(await teacher.evaluate(() => (window as any).__marker)).toBe('not reloaded');
    await screenshot(teacher, 'outage-projector-back');
    await teacher.getByRole('button', { name: 'Exit projector' }).click();
  });

  it('a page opened during the outage shows its data by itself once the server is back', async () => {
    expect(await server.stop()).toBe(0);
    await until('the dashboard to notice', async () => (await connectionStatus(teacher)) !== 'live', 5_000);
    const page = await ctx.newPage();
    await page.goto(`http://127.0.0.1:${port}/class/1`); // the app shell comes from the service worker
    await page.getByText('No connection to the server.').first().waitFor({ timeout: 10_000 });
    await waitForStatus(page, 'offline', 12_000);
    await page.evaluate(() => ((window as any).__marker = 'not reloaded'));
    await screenshot(page, 'outage-page-opened-offline');

    server = await start();
    await waitForStatus(page, 'live', 20_000);
    await until('5 rows', async () => (await page.getByTestId('student-row').count()) === 5, 10_000);
    await until('the error to clear', async () => (await page.getByText('No connection to the server.').count()) === 0, 10_000);
    await page.getByRole('heading', { name: 'Class 1', level: 1 }).waitFor();
    expect(await page.evaluate(() => (window as any).__marker)).toBe('not reloaded');
  });
});
