import { describe, expect, it } from 'vitest';
import { GENERIC_BODY, GENERIC_TITLE, notificationFromPush } from './pushNotification';

const sessionOpened = {
  kind: 'session_opened',
  title: 'Class 1: attendance is open',
  body: 'Check in now.',
  url: '/class/1#check-in',
  class_id: 1,
  session_id: 1048577,
  actions: [{ action: 'check_in', title: 'Check in' }],
};

describe('notificationFromPush: the payload of API.md §8 as a notification', () => {
  it('shows a session_opened with its title, body, tag, data and the check_in action', () => {
    expect(notificationFromPush(JSON.stringify(sessionOpened))).toEqual({
      title: 'Class 1: attendance is open',
      options: {
        body: 'Check in now.',
        tag: 'session_opened:1048577',
        data: { url: '/class/1#check-in', kind: 'session_opened', class_id: 1, session_id: 1048577 },
        actions: [{ action: 'check_in', title: 'Check in' }],
      },
    });
  });

  it('shows a status_changed without actions and a missing_digest with open_roster', () => {
    const status = notificationFromPush(
      JSON.stringify({ kind: 'status_changed', title: 'Now: excused', body: 'Ms T changed it.', url: '/class/2', class_id: 2, session_id: 9, actions: [] }),
    );
    expect(status.options).toMatchObject({ tag: 'status_changed:9', actions: [], data: { url: '/class/2', kind: 'status_changed' } });
    const digest = notificationFromPush(
      JSON.stringify({ kind: 'missing_digest', title: '3 not checked in', body: 'Class 2', url: '/class/2#roster', class_id: 2, session_id: 9, actions: [{ action: 'open_roster', title: 'Open roster' }] }),
    );
    expect(digest.title).toBe('3 not checked in');
    expect(digest.options).toMatchObject({ tag: 'missing_digest:9', actions: [{ action: 'open_roster', title: 'Open roster' }] });
  });

  it('one tag per kind and session, so a newer notification replaces the older one', () => {
    const a = notificationFromPush(JSON.stringify({ ...sessionOpened, body: 'first' }));
    const b = notificationFromPush(JSON.stringify({ ...sessionOpened, body: 'second' }));
    const other = notificationFromPush(JSON.stringify({ ...sessionOpened, session_id: 1048578 }));
    expect(a.options.tag).toBe(b.options.tag);
    expect(other.options.tag).not.toBe(a.options.tag);
  });

  it.each([
    ['no data at all', null],
    ['an empty payload', ''],
    ['not JSON', '{"kind": "session_op'],
    ['JSON that is not an object', '[1,2]'],
    ['JSON null', 'null'],
    ['a string', '"hello"'],
  ])('a generic notification for %s, never a throw', (_what, text) => {
    expect(notificationFromPush(text)).toEqual({
      title: GENERIC_TITLE,
      options: { body: GENERIC_BODY, tag: 'rollcall', data: { url: '/', kind: null, class_id: null, session_id: null }, actions: [] },
    });
  });

  it('fills what is missing or of the wrong type, and keeps what is right', () => {
    const n = notificationFromPush(JSON.stringify({ kind: 'session_opened', title: 7, body: null, url: 42, class_id: '1', session_id: -3, actions: 'check_in' }));
    expect(n.title).toBe(GENERIC_TITLE);
    expect(n.options).toEqual({
      body: GENERIC_BODY,
      tag: 'session_opened',
      data: { url: '/', kind: 'session_opened', class_id: null, session_id: null },
      actions: [],
    });
    const m = notificationFromPush(JSON.stringify({ title: 'Only a title' }));
    expect(m.title).toBe('Only a title');
    expect(m.options.tag).toBe('rollcall');
  });

  it('keeps only well-formed actions, at most two, and bounds every text', () => {
    const n = notificationFromPush(
      JSON.stringify({
        ...sessionOpened,
        title: 'T'.repeat(1000),
        body: 'B'.repeat(5000),
        actions: [null, { action: 'check_in' }, { action: 'check_in', title: 'Check in' }, 'x', { action: 'a2', title: 'Two' }, { action: 'a3', title: 'Three' }],
      }),
    );
    expect(n.title.length).toBeLessThanOrEqual(120);
    expect(n.options.body.length).toBeLessThanOrEqual(500);
    expect(n.options.actions).toEqual([
      { action: 'check_in', title: 'Check in' },
      { action: 'a2', title: 'Two' },
    ]);
  });

  it('keeps the url as given (the click decides whether to follow it) but drops one that is not a string or too long', () => {
    expect(notificationFromPush(JSON.stringify({ ...sessionOpened, url: 'https://evil.example/' })).options.data.url).toBe('https://evil.example/');
    expect(notificationFromPush(JSON.stringify({ ...sessionOpened, url: '/' + 'a'.repeat(5000) })).options.data.url).toBe('/');
  });
});
