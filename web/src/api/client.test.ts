import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadAuth } from '../auth';
import { rec, SESSION } from '../live/fixtures';
import * as api from './client';
import { ApiError } from './http';
import { json, signedIn, stubFetch } from './testing';

afterEach(() => {
  vi.unstubAllGlobals();
});

const counts = { present: 0, late: 0, absent: 0, excused: 0, unmarked: 0, total: 0 };
const prefs = { session_opened: true, status_changed: true, missing_digest: false };
const subscription = { endpoint: 'https://push.example/send/abc', keys: { p256dh: 'BP256', auth: 'AUTH' } };

describe('the typed client: method, path, headers, body', () => {
  // [call, method, path, body sent (undefined: none), server answer, what the call returns]
  const cases: [string, () => Promise<unknown>, string, string, unknown, unknown, unknown][] = [
    ['listClasses', () => api.listClasses(), 'GET', '/api/v1/classes', undefined, { classes: [{ id: 1, name: 'Class 1', role: 'teacher' }] }, [{ id: 1, name: 'Class 1', role: 'teacher' }]],
    ['getClass', () => api.getClass(4), 'GET', '/api/v1/classes/4', undefined, { id: 4, name: 'C', teachers: [], student_count: 0 }, { id: 4, name: 'C', teachers: [], student_count: 0 }],
    ['openSession', () => api.openSession(4, { late_after_minutes: 10 }), 'POST', '/api/v1/classes/4/sessions', { late_after_minutes: 10 }, SESSION, SESSION],
    ['closeSession', () => api.closeSession(1048577), 'POST', '/api/v1/sessions/1048577/close', undefined, { session: SESSION, marked_absent: 3 }, { session: SESSION, marked_absent: 3 }],
    ['getAttendance', () => api.getAttendance(1048577), 'GET', '/api/v1/sessions/1048577/attendance', undefined, { session: SESSION, records: [], counts }, { session: SESSION, records: [], counts }],
    ['getAudit', () => api.getAudit(1048577), 'GET', '/api/v1/sessions/1048577/audit', undefined, { entries: [{ at: 'x', actor_id: 2, student_id: 3, from: 'unmarked', to: 'present', method: 'bulk', reason: null }] }, [{ at: 'x', actor_id: 2, student_id: 3, from: 'unmarked', to: 'present', method: 'bulk', reason: null }]],
    ['getQr', () => api.getQr(1048577), 'GET', '/api/v1/sessions/1048577/qr', undefined, { token: 't', expires_at: 'e', check_in_url: 'u' }, { token: 't', expires_at: 'e', check_in_url: 'u' }],
    ['overrideAttendance', () => api.overrideAttendance(1048577, 3, { status: 'excused', reason: 'doctor' }), 'PUT', '/api/v1/sessions/1048577/attendance/3', { status: 'excused', reason: 'doctor' }, rec(3, 'excused'), rec(3, 'excused')],
    ['bulkUpdate', () => api.bulkUpdate(1048577, { mark_remaining: 'absent' }), 'POST', '/api/v1/sessions/1048577/attendance/bulk', { mark_remaining: 'absent' }, { updated: 0, records: [], counts }, { updated: 0, records: [], counts }],
    ['joinClass (already enrolled: 200)', () => api.joinClass({ join_code: 'AB12CD34' }), 'POST', '/api/v1/classes/join', { join_code: 'AB12CD34' }, { class_id: 4, class_name: 'Class 4' }, { class_id: 4, class_name: 'Class 4', created: false }],
    ['openSession (rotating code)', () => api.openSession(4, { late_after_minutes: 5, rotating_code: true }), 'POST', '/api/v1/classes/4/sessions', { late_after_minutes: 5, rotating_code: true }, SESSION, SESSION],
    ['listSessions', () => api.listSessions(4, { from: '2026-11-01', to: '2026-11-30' }), 'GET', '/api/v1/classes/4/sessions?from=2026-11-01&to=2026-11-30', undefined, { sessions: [{ ...SESSION, counts }] }, { sessions: [{ ...SESSION, counts }] }],
    ['listSessions (no range)', () => api.listSessions(4), 'GET', '/api/v1/classes/4/sessions', undefined, { sessions: [], truncated: true }, { sessions: [], truncated: true }],
    ['getReport', () => api.getReport(4, { from: '2026-11-01' }), 'GET', '/api/v1/classes/4/report?from=2026-11-01', undefined, { students: [] }, { students: [] }],
    ['getMyAttendance', () => api.getMyAttendance({ to: '2026-11-30' }), 'GET', '/api/v1/me/attendance?to=2026-11-30', undefined, { records: [rec(3, 'late')] }, { records: [rec(3, 'late')] }],
    ['getAdminToday', () => api.getAdminToday(), 'GET', '/api/v1/admin/today', undefined, { date: '2026-12-08', classes: [] }, { date: '2026-12-08', classes: [] }],
    ['listUsers', () => api.listUsers({ q: 'ann lee', role: 'teacher', cursor: 'c1' }), 'GET', '/api/v1/admin/users?q=ann+lee&role=teacher&cursor=c1', undefined, { users: [], next_cursor: null }, { users: [], next_cursor: null }],
    ['listUsers (everyone)', () => api.listUsers({ q: '', role: '', cursor: null }), 'GET', '/api/v1/admin/users', undefined, { users: [], next_cursor: 'n' }, { users: [], next_cursor: 'n' }],
    ['sync', () => api.sync({ client_id: 'dev', ops: [] }), 'POST', '/api/v1/sync', { client_id: 'dev', ops: [] }, { results: [], server_time: 't' }, { results: [], server_time: 't' }],
    ['getVapidPublicKey', () => api.getVapidPublicKey(), 'GET', '/api/v1/push/vapid-public-key', undefined, { public_key: 'BKey' }, 'BKey'],
    ['getPushPreferences', () => api.getPushPreferences(), 'GET', '/api/v1/push/preferences', undefined, prefs, prefs],
    ['putPushPreferences', () => api.putPushPreferences({ ...prefs, status_changed: false }), 'PUT', '/api/v1/push/preferences', { ...prefs, status_changed: false }, { ...prefs, status_changed: false }, { ...prefs, status_changed: false }],
  ];
  it.each(cases)('%s', async (_name, call, method, path, body, answer, result) => {
    signedIn('teacher', 2);
    const calls = stubFetch(json(200, answer));
    expect(await call()).toEqual(result);
    expect(calls).toHaveLength(1);
    const c = calls[0];
    expect(c.method).toBe(method);
    expect(c.url).toBe(path);
    expect(c.cache).toBe('no-store');
    expect(c.headers.Authorization).toBe('Bearer tok-2');
    if (body === undefined) {
      expect(c.body).toBeUndefined();
      expect(c.headers['Content-Type']).toBeUndefined();
    } else {
      expect(JSON.parse(c.body!)).toEqual(body);
      expect(c.headers['Content-Type']).toBe('application/json');
    }
  });

  it('login sends no token, even when someone is signed in', async () => {
    signedIn('teacher', 2);
    const answer = { access_token: 'new', token_type: 'bearer', expires_in: 3600, user: { id: 5, username: 'u', name: 'U', role: 'student' } };
    const calls = stubFetch(json(200, answer));
    expect(await api.login({ username: 'u', password: 'p' })).toEqual(answer);
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/api/v1/auth/login' });
    expect(JSON.parse(calls[0].body!)).toEqual({ username: 'u', password: 'p' });
    expect(calls[0].headers.Authorization).toBeUndefined();
  });

  it('refresh sends the current token and no body; its 401 does not sign out by itself', async () => {
    signedIn('teacher', 2);
    const answer = { access_token: 'fresh', token_type: 'bearer', expires_in: 3600, user: { id: 2, username: 'u2', name: 'User 2', role: 'teacher' } };
    const calls = stubFetch(json(200, answer), json(401, { error: { code: 'unauthorized', message: 'this account is disabled' } }));
    expect(await api.refresh()).toEqual(answer);
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/api/v1/auth/refresh', body: undefined });
    expect(calls[0].headers.Authorization).toBe('Bearer tok-2');
    await expect(api.refresh()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(loadAuth()).not.toBeNull(); // the auth feature signs out, with a message
  });

  it('checkIn tells a first check-in (201) from an existing one (200)', async () => {
    signedIn('student', 3);
    const calls = stubFetch(json(201, rec(3, 'present')), json(200, rec(3, 'present')));
    expect(await api.checkIn({ method: 'verification_code', class_id: 1, code: '123456' })).toEqual({ created: true, record: rec(3, 'present') });
    expect(await api.checkIn({ method: 'qr_code', qr_token: 'tok' })).toEqual({ created: false, record: rec(3, 'present') });
    expect(calls.map((c) => [c.method, c.url])).toEqual([
      ['POST', '/api/v1/attendance/check-in'],
      ['POST', '/api/v1/attendance/check-in'],
    ]);
    expect(JSON.parse(calls[0].body!)).toEqual({ method: 'verification_code', class_id: 1, code: '123456' });
    expect(JSON.parse(calls[1].body!)).toEqual({ method: 'qr_code', qr_token: 'tok' });
    expect(calls[0].headers).toMatchObject({ Authorization: 'Bearer tok-3', 'Content-Type': 'application/json' });
  });

  it('getQrSvg asks for SVG and answers an SVG blob', async () => {
    signedIn();
    const calls = stubFetch(
      new Response('<svg/>', { status: 200, headers: { 'Content-Type': 'image/svg+xml' } }),
      new Response(new TextEncoder().encode('<svg/>'), { status: 200 }), // no Content-Type
    );
    for (const _ of [1, 2]) {
      const blob = await api.getQrSvg(7);
      expect(blob.type).toBe('image/svg+xml');
      expect(await blob.text()).toBe('<svg/>');
    }
    expect(calls[0]).toMatchObject({ method: 'GET', url: '/api/v1/sessions/7/qr.svg' });
    expect(calls[0].headers.Accept).toBe('image/svg+xml');
  });

  it('exportAttendanceCsv sends the date range and reads the file name', async () => {
    signedIn();
    const csv = 'date,session_id\n';
    const calls = stubFetch(
      new Response(csv, { status: 200, headers: { 'Content-Type': 'text/csv', 'Content-Disposition': 'attachment; filename="class-4.csv"' } }),
      new Response(csv, { status: 200, headers: { 'Content-Type': 'text/csv' } }),
    );
    const a = await api.exportAttendanceCsv(4, { from: '2026-11-01', to: '2026-11-30' });
    expect(calls[0].url).toBe('/api/v1/classes/4/attendance.csv?from=2026-11-01&to=2026-11-30');
    expect(calls[0].headers.Accept).toBe('text/csv');
    expect(a.filename).toBe('class-4.csv');
    expect(await a.blob.text()).toBe(csv);
    const b = await api.exportAttendanceCsv(4, { from: '', to: '' });
    expect(calls[1].url).toBe('/api/v1/classes/4/attendance.csv');
    expect(b.filename).toBeNull();
  });

  it('exportReportCsv sends the date range and reads the file name', async () => {
    signedIn();
    const csv = 'student_id,student_name\n';
    const calls = stubFetch(
      new Response(csv, { status: 200, headers: { 'Content-Type': 'text/csv', 'Content-Disposition': 'attachment; filename="class-4-report.csv"' } }),
    );
    const a = await api.exportReportCsv(4, { from: '2026-11-01', to: '2026-11-30' });
    expect(calls[0].url).toBe('/api/v1/classes/4/report.csv?from=2026-11-01&to=2026-11-30');
    expect(calls[0].headers.Accept).toBe('text/csv');
    expect(a.filename).toBe('class-4-report.csv');
    expect(await a.blob.text()).toBe(csv);
  });

  it('addPushSubscription sends the subscription and tells 201 (new) from 200 (known)', async () => {
    signedIn('student', 3);
    const calls = stubFetch(json(201, { id: 17 }), json(200, { id: 17 }));
    expect(await api.addPushSubscription(subscription)).toEqual({ id: 17, created: true });
    expect(await api.addPushSubscription(subscription)).toEqual({ id: 17, created: false });
    expect(calls.map((c) => [c.method, c.url])).toEqual([
      ['POST', '/api/v1/push/subscriptions'],
      ['POST', '/api/v1/push/subscriptions'],
    ]);
    expect(JSON.parse(calls[0].body!)).toEqual(subscription);
    expect(calls[0].headers).toMatchObject({ Authorization: 'Bearer tok-3', 'Content-Type': 'application/json' });
  });

  it('addPushSubscription sends only endpoint and keys, whatever else toJSON() gave', async () => {
    signedIn('student', 3);
    const calls = stubFetch(json(201, { id: 'a1' }));
    await api.addPushSubscription({ ...subscription, expirationTime: null } as never);
    expect(JSON.parse(calls[0].body!)).toEqual(subscription);
  });

  it('deletePushSubscription sends DELETE with the id in the path and reads no body (204)', async () => {
    signedIn('teacher', 2);
    const calls = stubFetch(new Response(null, { status: 204 }), new Response(null, { status: 204 }));
    await expect(api.deletePushSubscription(17)).resolves.toBeUndefined();
    await expect(api.deletePushSubscription('a/b')).resolves.toBeUndefined();
    expect(calls.map((c) => [c.method, c.url, c.body])).toEqual([
      ['DELETE', '/api/v1/push/subscriptions/17', undefined],
      ['DELETE', '/api/v1/push/subscriptions/a%2Fb', undefined],
    ]);
    expect(calls[0].headers.Authorization).toBe('Bearer tok-2');
  });

  it('maps invalid_subscription (422) to an ApiError', async () => {
    signedIn('student', 3);
    stubFetch(json(422, { error: { code: 'invalid_subscription', message: 'endpoint must be https' } }));
    await expect(api.addPushSubscription(subscription)).rejects.toMatchObject({ status: 422, code: 'invalid_subscription' });
  });

  it('attendanceSocketUrl builds the WebSocket URL, with resume when known', () => {
    expect(api.attendanceSocketUrl('ws://h:1', 4, 'a b')).toBe('ws://h:1/ws/attendance/4?token=a%20b');
    expect(api.attendanceSocketUrl('wss://h', 4, 't', { since: 12, epoch: 'e/1' })).toBe('wss://h/ws/attendance/4?token=t&since=12&epoch=e%2F1');
  });
});

describe('the typed client: errors', () => {
  it('maps the error body to an ApiError with status, code and message', async () => {
    signedIn();
    stubFetch(json(409, { error: { code: 'session_already_open', message: 'a session is already open' } }));
    const e = await api.openSession(4, {}).catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 409, code: 'session_already_open', message: 'a session is already open' });
    expect(e.isNetwork).toBe(false);
  });

  it('maps a body that is not JSON to http_<status>', async () => {
    signedIn();
    stubFetch(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(api.getClass(4)).rejects.toMatchObject({ status: 502, code: 'http_502', message: 'Bad Gateway' });
  });

  it('maps no connection to a network ApiError', async () => {
    signedIn('student', 3);
    stubFetch(new TypeError('Failed to fetch'));
    const e = await api.checkIn({ method: 'qr_code', qr_token: 't' }).catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 0, code: 'network_error' });
    expect(e.isNetwork).toBe(true);
  });

  it('signs out on 401, except for the login call', async () => {
    signedIn('teacher', 2);
    stubFetch(json(401, { error: { code: 'invalid_credentials', message: 'wrong' } }));
    await expect(api.login({ username: 'x', password: 'y' })).rejects.toMatchObject({ status: 401, code: 'invalid_credentials' });
    expect(loadAuth()).not.toBeNull();
    stubFetch(json(401, { error: { code: 'unauthorized', message: 'expired' } }));
    await expect(api.sync({ client_id: 'd', ops: [] })).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(loadAuth()).toBeNull();
  });

  it('answers 413 too_many_ops as an ApiError the sync sender can recognise', async () => {
    signedIn('student', 3);
    stubFetch(json(413, { error: { code: 'too_many_ops', message: 'at most 500 ops' } }));
    await expect(api.sync({ client_id: 'd', ops: [] })).rejects.toMatchObject({ status: 413, code: 'too_many_ops' });
  });
});

describe('importOneRoster (POST /admin/oneroster)', () => {
  const counts = { users_added: 1, users_updated: 0, classes_added: 0, classes_updated: 0, enrollments_added: 1 };
  // What Windows browsers type a zip as: the request must still say application/zip.
  const file = () => new File([new Uint8Array([0x50, 0x4b, 0x05, 0x06])], 'roster.zip', { type: 'application/x-zip-compressed' });

  it('sends the file as is, typed application/zip, with the token, and reads the counts', async () => {
    signedIn('admin', 1);
    const f = file();
    const calls = stubFetch(json(200, { ...counts, initial_passwords: [{ username: 'zoe', password: 'AB3DEFGH2JKL' }] }));
    expect(await api.importOneRoster(f)).toEqual({
      kind: 'imported',
      result: { ...counts, initial_passwords: [{ username: 'zoe', password: 'AB3DEFGH2JKL' }] },
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/api/v1/admin/oneroster', cache: 'no-store' });
    expect(calls[0].headers).toEqual({ 'Content-Type': 'application/zip', Authorization: 'Bearer tok-1' });
    expect(calls[0].body as unknown).toBe(f);
  });

  it('answers 422 invalid_roster as a refusal with its rows, not as a throw', async () => {
    signedIn('admin', 1);
    const errors = [{ file: 'enrollments.csv', line: 3, message: "no class with sourcedId 'c-9'" }];
    stubFetch(json(422, { error: { code: 'invalid_roster', message: 'refused' }, errors }));
    expect(await api.importOneRoster(file())).toEqual({ kind: 'refused', refusal: { errors, unreadable: 0 } });
  });

  it.each([
    [409, 'import_in_progress'],
    [413, 'body_too_large'],
    [415, 'unsupported_media_type'],
    [403, 'forbidden'],
    [503, 'storage_unavailable'],
    [422, 'invalid_field'], // a 422 that is not a roster refusal stays an error
  ])('throws an ApiError for %i %s', async (status, code) => {
    signedIn('admin', 1);
    stubFetch(json(status, { error: { code, message: 'no' } }));
    await expect(api.importOneRoster(file())).rejects.toMatchObject({ status, code });
  });

  it('throws a ClientError for a 200 it cannot read (a password must not vanish silently)', async () => {
    signedIn('admin', 1);
    stubFetch(json(200, { ...counts, initial_passwords: [{ username: 'zoe' }] }));
    await expect(api.importOneRoster(file())).rejects.toMatchObject({ code: 'unreadable_import_answer' });
  });
});
