// Staying signed in (API.md §1, §5): a dashboard whose token is about to expire
// refreshes it by itself, and its live socket, opened with the old token and
// closed by the server with 1008 token_expired at that token's exp, reconnects
// with the new one and `since`, so a check-in after the old expiry still shows
// live, without a reload or a sign-in.

import { spawnSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiLogin, launchBrowser, newContext, removeDir, serverBin, startServer, until, waitForRowStatus, waitForStatus, type Server } from './helpers';

/** Long enough to load the page (the app ignores tokens within 5 s of expiry), short enough to wait out. */
const TTL_S = 15;
// student001..student003 are users 3..5, all in class 1; teacher1 is user 2.
const S = (k: number) => 2 + k;

let server: Server;
let browser: Browser;
let page: Page;

function mint(username: string, ttlS: number): string {
  const p = spawnSync(serverBin(), ['token', '--data-dir', server.dataDir, '--user', username, '--ttl-s', String(ttlS)], { encoding: 'utf8' });
  if (p.status !== 0) throw new Error(`rollcall token: ${p.stderr}`);
  return p.stdout.trim();
}

function expOf(jwt: string): number {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()).exp;
}

beforeAll(async () => {
  server = await startServer({ classSize: 3 });
  browser = await launchBrowser();
  page = await (await newContext(browser)).newPage();
});

afterAll(async () => {
  await browser?.close();
  const code = await server?.stop();
  expect(code).toBe(0);
  removeDir(server.dataDir);
});

describe('a dashboard whose token runs out', () => {
  it('refreshes it and resumes its live feed with the new token', async () => {
    const teacher = await apiLogin(server.url, 'teacher1');
    const open = await api(server.url, teacher.token, 'POST', '/api/v1/classes/1/sessions');
    expect(open.status).toBe(201);
    const code = open.json.verification_code as string;

    // Hold the refresh until the socket is live, so the socket surely uses the old token.
    let release!: () => void;
    const socketLive = new Promise<void>((r) => (release = r));
    const refreshes: number[] = [];
    await page.route('**/api/v1/auth/refresh', async (route) => {
      await socketLive;
      refreshes.push(Date.now());
      await route.continue();
    });
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));

    const old = mint('teacher1', TTL_S);
    const user = { id: 2, username: 'teacher1', name: 'x', role: 'teacher' };
    await page.goto(server.url + '/');
    await page.evaluate(([token, expiresAt, u]) => localStorage.setItem('rollcall.auth', JSON.stringify({ token, expiresAt, user: u })), [
      old,
      expOf(old) * 1000,
      user,
    ] as const);
    await page.goto(server.url + '/class/1');
    await waitForStatus(page, 'live');
    expect(sockets).toHaveLength(1);
    expect(sockets[0]).toContain(`token=${old}`);
    release();

    // Under a minute left: the app refreshes at once, and stores the new token.
    const fresh: string = await until('a refreshed token in storage', () =>
      page.evaluate((o) => {
        const a = JSON.parse(localStorage.getItem('rollcall.auth') ?? 'null');
        return a && a.token !== o ? (a.token as string) : '';
      }, old),
    );
    expect(refreshes).toHaveLength(1);
    expect(expOf(fresh)).toBeGreaterThan(expOf(old));

    // At the old token's exp the server ends the socket; the page resumes with the new one.
    await until('a second socket, with the new token and since', () => sockets.length >= 2, (TTL_S + 10) * 1000, 100);
    expect(sockets[1]).toContain(`token=${fresh}`);
    expect(sockets[1]).toMatch(/since=\d+&epoch=/);
    await waitForStatus(page, 'live');
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(expOf(old));

    // Live after the old expiry, still signed in, nothing reloaded.
    const student = await apiLogin(server.url, 'student001');
    const r = await api(server.url, student.token, 'POST', '/api/v1/attendance/check-in', { method: 'verification_code', class_id: 1, code });
    expect(r.status).toBe(201);
    await waitForRowStatus(page, S(1), 'present', 3_000);
    await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 1_000 });
  });
});
