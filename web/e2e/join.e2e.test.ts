// A student joins a class with its join code (issue 23, problem 4): the teacher
// reads the code on their class page, a student of another class types it on the
// join page (from their home page), and then has the class in their list.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from './a11y';
import { api, apiLogin, launchBrowser, newContext, removeDir, screenshot, signIn, startServer, waitForStatus, type Server } from './helpers';

let server: Server;
let browser: Browser;
let joinCode = '';

beforeAll(async () => {
  // 4 classes: teacher2 teaches class 4; student001 is in class 1.
  server = await startServer({ demoClasses: 4, classSize: 3 });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  expect(await server?.stop()).toBe(0);
  removeDir(server.dataDir);
});

describe('joining a class', () => {
  it('the teacher reads the join code on the class page', async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(server.url + '/class/4');
    await signIn(page, 'teacher2');
    await waitForStatus(page, 'live');
    const text = await page.getByText('Join code for new students:').textContent({ timeout: 5_000 });
    joinCode = /:\s*(\S+)/.exec(text ?? '')![1];
    const { token } = await apiLogin(server.url, 'teacher2');
    expect((await api(server.url, token, 'GET', '/api/v1/classes/4')).json.join_code).toBe(joinCode);
    await page.context().close();
  });

  it('a student of another class joins it from the home page and then sees it', async () => {
    const page: Page = await (await newContext(browser, true)).newPage();
    await page.goto(server.url + '/');
    await signIn(page, 'student001');
    await page.getByRole('link', { name: /Class 1/ }).waitFor();
    expect(await page.getByRole('link', { name: /Class 4/ }).count()).toBe(0);
    await page.getByRole('link', { name: 'Join a class' }).click();
    await page.getByRole('heading', { name: 'Join a class', level: 1 }).waitFor();
    expect(await page.title()).toBe('Join a class - rollcall');
    expect(await axeViolations(page)).toBe('');

    // A wrong code first.
    await page.getByLabel('Join code from your teacher').fill('NOT-A-CODE');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.getByText('No class has that join code.').waitFor({ timeout: 5_000 });

    await page.getByLabel('Join code from your teacher').fill(joinCode);
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.getByTestId('join-result').getByText('You joined Class 4.').waitFor({ timeout: 5_000 });
    await screenshot(page, 'student-joined-class-phone');

    await page.getByRole('link', { name: 'Back to my classes' }).click();
    const class4 = page.getByRole('link', { name: /Class 4/ });
    await class4.waitFor({ timeout: 5_000 });
    expect(await page.getByRole('link', { name: /Class 1/ }).count()).toBe(1);
    await class4.click();
    await page.getByRole('heading', { name: 'Class 4', level: 1 }).waitFor();
    await waitForStatus(page, 'live');
    // The server has the enrollment: the class list over the API names it too.
    const { token } = await apiLogin(server.url, 'student001');
    const ids = (await api(server.url, token, 'GET', '/api/v1/classes')).json.classes.map((c: any) => c.id);
    expect(ids).toEqual(expect.arrayContaining([1, 4]));
  });
});
