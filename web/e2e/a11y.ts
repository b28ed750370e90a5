// Accessibility checks the browser tests share: axe-core (WCAG 2.0/2.1 A and AA)
// run inside the page, the heading outline, the title, and horizontal overflow.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The WCAG levels the app must meet: 2.0 and 2.1, A and AA. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Runs axe-core on the page as it is now; returns one line per violation and
 * element ('' when there is none), so a failing expectation names what to fix.
 */
export async function axeViolations(page: Page): Promise<string> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async (tags) => {
    const r = await (window as any).axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v: any) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.map((n: any) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ')}`),
    }));
  }, WCAG_TAGS);
  return violations
    .flatMap((v: { id: string; help: string; nodes: string[] }) => v.nodes.map((n) => `${v.id} (${v.help}) ${n}`))
    .join('\n');
}

/**
 * The page's headings in order, as `h1 Title`; and what is wrong with the
 * outline: not exactly one h1, an h1 that is not first, or a level skipped.
 */
export async function headingProblems(page: Page): Promise<string[]> {
  const hs = await page.$$eval('h1, h2, h3, h4, h5, h6', (els) =>
    els
      .filter((e) => (e as HTMLElement).offsetParent !== null || getComputedStyle(e).position === 'fixed')
      .map((e) => ({ level: Number(e.tagName[1]), text: e.textContent?.trim() ?? '' })),
  );
  const problems: string[] = [];
  const h1s = hs.filter((h) => h.level === 1).length;
  if (h1s !== 1) problems.push(`${h1s} h1 headings`);
  if (hs.length && hs[0].level !== 1) problems.push(`first heading is h${hs[0].level} "${hs[0].text}"`);
  for (let i = 1; i < hs.length; i++) {
    if (hs[i].level > hs[i - 1].level + 1) problems.push(`h${hs[i].level} "${hs[i].text}" follows h${hs[i - 1].level}`);
  }
  return problems;
}

/** How many CSS pixels the page is wider than the window (0: no horizontal scrolling). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
}

/** The element that has the keyboard focus, described for assertions. */
export async function focused(page: Page): Promise<{ tag: string; text: string; inDialog: boolean }> {
  return page.evaluate(() => {
    const e = document.activeElement as HTMLElement | null;
    return {
      tag: e?.tagName.toLowerCase() ?? '',
      text: (e?.getAttribute('aria-label') || e?.textContent || '').trim(),
      inDialog: !!e?.closest('[role="dialog"]'),
    };
  });
}

function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two opaque CSS colours (`rgb(r, g, b)`). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * Every visible text field and select border (checkboxes are drawn by the browser) against what is behind it
 * (WCAG 1.4.11 non-text contrast: at least 3:1), as `label: ratio`.
 */
export async function inputBorderContrasts(page: Page): Promise<{ what: string; border: string; behind: string }[]> {
  return page.$$eval('input:not([type="hidden"]):not([type="file"]):not([type="checkbox"]), select', (els) => {
    const behind = (e: Element | null): string => {
      for (let p = e; p; p = p.parentElement) {
        const c = getComputedStyle(p).backgroundColor;
        if (c && c !== 'transparent' && !/rgba\(.*, 0\)$/.test(c)) return c;
      }
      return 'rgb(255, 255, 255)';
    };
    return els
      .filter((e) => (e as HTMLElement).offsetParent !== null)
      .map((e) => ({
        what: e.getAttribute('aria-label') || e.getAttribute('name') || e.id || e.tagName,
        border: getComputedStyle(e).borderTopColor,
        behind: behind(e.parentElement),
      }));
  });
}
