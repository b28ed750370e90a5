// The server restarts under an open dashboard: the page says it is not live, then
// reconnects by itself (no reload) to the new process on the same port and data
// directory, still shows what happened before, and follows new check-ins live.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  apiLogin,
  connectionStatus,
  freePort,
  launchBrowser,
  newContext,
  removeDir,
  row,
  screenshot,
  signIn,
  startServer,
  until,
  waitForRowStatus,
  waitForStatus,
  type Server,
} from './helpers';

let server: Server;
let browser: Browser;
let teacher: Page;
let port = 0;
let dataDir = '';
let code = '';
// student001..student005 are users 3..7, all in class 1.
const S = (k: number) => 2 + k;

async function checkIn(username: string): Promise<{ status: number; json: any }> {
  const { token } = await apiLogin(server.url, username);
  return api(server.url, token, 'POST', '/api/v1/attendance/check-in', { method: 'verification_code', class_id: 1, code });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'rollcall-e2e-restart-'));
  port = await freePort();
  server = await startServer({ port, dataDir, classSize: 5 });
  expect(server.port).toBe(port);
  browser = await launchBrowser();
  const ctx = await newContext(browser);
  teacher = await ctx.newPage();
  await teacher.goto(server.url + '/class/1');
  await signIn(teacher, 'teacher1');
  await waitForStatus(teacher, 'live');
});

afterAll(async () => {
  await browser?.close();
  const exit = await server?.stop();
  expect(exit).toBe(0);
  removeDir(dataDir);
});

describe('a server restart under an open dashboard', () => {
  it('reconnects by itself, keeps what happened before, and stays live', async () => {
    // A static code: this test reads it once and uses it for minutes.
    await teacher.getByLabel('Change the code with the QR code').uncheck();
    await teacher.getByRole('button', { name: 'Start session', exact: true }).click();
    await teacher.getByTestId('verification-code').waitFor();
    code = (await teacher.getByTestId('verification-code').textContent())!.trim();
    await until('5 rows', async () => (await teacher.getByTestId('student-row').count()) === 5);
    const before = await checkIn('student001');
    expect(before.status).toBe(201);
    await waitForRowStatus(teacher, S(1), 'present', 2_000);
    await teacher.evaluate(() => ((window as any).__marker = 'not reloaded'));

    // SIGTERM: a clean stop, the WebSocket closes with 1001.
    expect(await server.stop()).toBe(0);
    await until('the page to notice', async () => ['reconnecting', 'offline'].includes(await connectionStatus(teacher)), 5_000);
    expect(await connectionStatus(teacher)).not.toBe('live');
    // Still down for a moment: the page keeps saying so (several retries fail).
    const downSince = Date.now();
    await until('1.5 s of downtime', () => Date.now() - downSince >= 1_500, 3_000);
    expect(await connectionStatus(teacher)).not.toBe('live');
    await screenshot(teacher, 'teacher-dashboard-reconnecting');

    server = await startServer({ port, dataDir, classSize: 5 });
    expect(server.url).toBe(`http://127.0.0.1:${port}`);
    const restartedAt = Date.now();
    await waitForStatus(teacher, 'live', 20_000);
    const reconnectMs = Date.now() - restartedAt;
    expect(reconnectMs).toBeLessThan(20_000);

    // The check-in from before the restart is still there, same code, same session.
    expect(await row(teacher, S(1)).getAttribute('data-status')).toBe('present');
    expect((await teacher.getByTestId('verification-code').textContent())!.trim()).toBe(code);

    // A check-in after the restart shows within a second or two.
    const after = await checkIn('student002');
    expect(after.status).toBe(201);
    const took = await waitForRowStatus(teacher, S(2), 'present', 2_000);
    expect(took).toBeLessThanOrEqual(2_000);
    expect(await row(teacher, S(1)).getAttribute('data-status')).toBe('present');
    await until(
      'counts: 2 present',
      () => teacher.$eval('[data-testid="counts"] [data-count="present"] .n', (e) => e.textContent === '2'),
      2_000,
    );
    await screenshot(teacher, 'teacher-dashboard-after-restart');

    // Never reloaded.
    expect(await teacher.evaluate(() => (window as any).__marker)).toBe('not reloaded');
    expect(await connectionStatus(teacher)).toBe('live');
  });
});
