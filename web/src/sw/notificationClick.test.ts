import { describe, expect, it } from 'vitest';
import { appUrl, clickTarget, openOrFocus, type WindowClientLike } from './notificationClick';

const ORIGIN = 'https://rollcall.school.example';
const data = (o: object) => ({ url: '/', kind: null, class_id: null, session_id: null, ...o });

describe('appUrl: only same-origin relative urls are followed', () => {
  it.each([
    ['/class/1#check-in', `${ORIGIN}/class/1#check-in`],
    ['/class/4', `${ORIGIN}/class/4`],
    ['/', `${ORIGIN}/`],
    ['/check-in?token=abc', `${ORIGIN}/check-in?token=abc`],
  ])('follows %s', (url, want) => {
    expect(appUrl(url, ORIGIN)).toBe(want);
  });

  it.each([
    ['an absolute url of another origin', 'https://evil.example/phish'],
    ['an absolute url of the same origin', `${ORIGIN}/class/1`],
    ['a protocol-relative url', '//evil.example/x'],
    ['a backslash that browsers read as //', '/\\evil.example/x'],
    ['a tab that the URL parser drops', '/\t/evil.example/x'],
    ['a javascript: url', 'javascript:alert(1)'],
    ['a relative path without a slash', 'class/1'],
    ['an empty string', ''],
    ['not a string', 42],
    ['nothing', undefined],
  ])('refuses %s', (_what, url) => {
    expect(appUrl(url, ORIGIN)).toBeNull();
  });
});

describe('clickTarget: which page a click opens', () => {
  const opened = data({ url: '/class/1#check-in', kind: 'session_opened', class_id: 1, session_id: 5 });
  const digest = data({ url: '/class/2#roster', kind: 'missing_digest', class_id: 2, session_id: 6 });
  const status = data({ url: '/class/3', kind: 'status_changed', class_id: 3, session_id: 7 });

  it('the check_in action and a click on a session_opened: the check-in page', () => {
    expect(clickTarget(opened, 'check_in', ORIGIN)).toBe(`${ORIGIN}/class/1#check-in`);
    expect(clickTarget(opened, '', ORIGIN)).toBe(`${ORIGIN}/class/1#check-in`);
  });

  it('open_roster and a click on a missing_digest: the roster', () => {
    expect(clickTarget(digest, 'open_roster', ORIGIN)).toBe(`${ORIGIN}/class/2#roster`);
    expect(clickTarget(digest, '', ORIGIN)).toBe(`${ORIGIN}/class/2#roster`);
  });

  it('anything else: the payload url', () => {
    expect(clickTarget(status, '', ORIGIN)).toBe(`${ORIGIN}/class/3`);
    expect(clickTarget(status, 'some_future_action', ORIGIN)).toBe(`${ORIGIN}/class/3`);
  });

  it('a url that is absolute or of another origin falls back to /', () => {
    expect(clickTarget({ ...opened, url: 'https://evil.example/x' }, 'check_in', ORIGIN)).toBe(`${ORIGIN}/`);
    expect(clickTarget({ ...digest, url: `${ORIGIN}/class/2#roster` }, 'open_roster', ORIGIN)).toBe(`${ORIGIN}/`);
    expect(clickTarget({ ...status, url: '//evil.example' }, '', ORIGIN)).toBe(`${ORIGIN}/`);
  });

  it('without a url, the action still finds its page from the class', () => {
    expect(clickTarget({ ...opened, url: undefined }, 'check_in', ORIGIN)).toBe(`${ORIGIN}/class/1#check-in`);
    expect(clickTarget({ ...digest, url: null }, 'open_roster', ORIGIN)).toBe(`${ORIGIN}/class/2#roster`);
    expect(clickTarget({ ...status, url: undefined }, '', ORIGIN)).toBe(`${ORIGIN}/class/3`);
    expect(clickTarget({ url: undefined, class_id: 'x' }, 'check_in', ORIGIN)).toBe(`${ORIGIN}/`);
  });

  it.each([null, undefined, 'text', 7, []])('data that is not an object (%s) opens /', (d) => {
    expect(clickTarget(d, 'check_in', ORIGIN)).toBe(`${ORIGIN}/`);
  });
});

/** A window as the service worker sees it; records what was done to it. */
function win(url: string, o: { focused?: boolean; canFocus?: boolean; controlled?: boolean } = {}) {
  const did: string[] = [];
  const w: { -readonly [K in keyof WindowClientLike]: WindowClientLike[K] } & { did: string[] } = {
    url,
    focused: o.focused ?? false,
    did,
    async focus() {
      if (o.canFocus === false) throw new DOMException('Not allowed to focus a window.', 'InvalidAccessError');
      did.push('focus');
      return w;
    },
    async navigate(to: string) {
      if (o.controlled === false) throw new TypeError('not controlled');
      did.push(`navigate ${to}`);
      w.url = to;
      return w;
    },
  };
  return w;
}

function clientsOf(wins: WindowClientLike[], canOpen = true) {
  const opened: string[] = [];
  return {
    opened,
    async matchAll() {
      return wins;
    },
    async openWindow(url: string) {
      if (!canOpen) throw new DOMException('Not allowed to open a window.', 'InvalidAccessError');
      opened.push(url);
      return null;
    },
  };
}

describe('openOrFocus: focus a window of the app and take it there, else open one', () => {
  const target = `${ORIGIN}/class/1#check-in`;

  it('opens a window when none of the app is open', async () => {
    const c = clientsOf([win('https://other.example/')]);
    expect(await openOrFocus(c, target, ORIGIN)).toBe('opened');
    expect(c.opened).toEqual([target]);
  });

  it('focuses and navigates an open window of the app, the focused one first', async () => {
    const a = win(`${ORIGIN}/`);
    const b = win(`${ORIGIN}/class/2`, { focused: true });
    const c = clientsOf([a, b]);
    expect(await openOrFocus(c, target, ORIGIN)).toBe('navigated');
    expect(b.did).toEqual(['focus', `navigate ${target}`]);
    expect(a.did).toEqual([]);
    expect(c.opened).toEqual([]);
  });

  it('only focuses a window already at the target', async () => {
    const a = win(target);
    const c = clientsOf([a]);
    expect(await openOrFocus(c, target, ORIGIN)).toBe('focused');
    expect(a.did).toEqual(['focus']);
  });

  it('still navigates when focusing is not allowed', async () => {
    const a = win(`${ORIGIN}/`, { canFocus: false });
    const c = clientsOf([a]);
    expect(await openOrFocus(c, target, ORIGIN)).toBe('navigated');
    expect(a.did).toEqual([`navigate ${target}`]);
  });

  it('opens a window when the open one cannot be navigated (not controlled by this worker)', async () => {
    const a = win(`${ORIGIN}/`, { controlled: false });
    const c = clientsOf([a]);
    expect(await openOrFocus(c, target, ORIGIN)).toBe('opened');
    expect(c.opened).toEqual([target]);
  });

  it('answers failed, without throwing, when no window can be opened', async () => {
    const c = clientsOf([], false);
    expect(await openOrFocus(c, target, ORIGIN)).toBe('failed');
  });
});
