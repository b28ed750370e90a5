// A path the app has no page for (issue 23, problem 6) shows "Page not found"
// with a way home and its own title, not the home page.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from './a11y';
import { launchBrowser, newContext, removeDir, screenshot, signIn, startServer, until, type Server } from './helpers';

let server: Server;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await startServer({ classSize: 3 });
  browser = await launchBrowser();
  page = await (await newContext(browser)).newPage();
  await page.goto(server.url + '/');
  await signIn(page, 'teacher1');
});

afterAll(async () => {
  await browser?.close();
  expect(await server?.stop()).toBe(0);
  removeDir(server.dataDir);
});

describe('unknown routes', () => {
  for (const path of ['/admin', '/nope', '/class/1/extra']) {
    it(`${path} says the page is not found, with a link home`, async () => {
      await page.goto(server.url + path);
      await page.getByRole('heading', { name: 'Page not found', level: 1 }).waitFor({ timeout: 5_000 });
      expect(await page.title()).toBe('Page not found - rollcall');
      expect(await page.getByRole('heading', { name: 'My classes' }).count()).toBe(0);
      expect(await page.getByText(`There is no page at ${path}.`).count()).toBe(1);
      expect(await axeViolations(page)).toBe('');
      if (path === '/nope') await screenshot(page, 'not-found');
      await page.getByRole('link', { name: 'Go to my classes' }).click();
      await page.getByRole('heading', { name: 'My classes', level: 1 }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/');
      await until('the home title', async () => (await page.title()) === 'My classes - rollcall', 2_000);
    });
  }
});
