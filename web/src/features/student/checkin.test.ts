import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, signedIn, stubFetch } from '../../api/testing';
import { rec } from '../../live/fixtures';
import { cacheClasses } from '../../storage';
import { fmtTime } from '../../ui/format';
import { checkInByCode, checkInByQr, classOfQrToken, qrTokenSession } from './checkin';
import { lockedUntil } from './lockout';
import { flushQueue, queue } from './syncQueue';

beforeEach(() => {
  // Node has a BroadcastChannel; the tab-to-tab channel is not under test.
  vi.stubGlobal('BroadcastChannel', undefined);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const closed = (status: number, code: string, message = code) => json(status, { error: { code, message } });

describe('classOfQrToken', () => {
  // A real token of session 1048577 (class 1, session 1).
  const token = 'AQAAAAAAEAABAAAAAAcjeUUuRidbqeL17qodQS_GvPSP';
  it('reads the class from the session id when it is a known class', () => {
    expect(classOfQrToken(token, [1, 2])).toBe(1);
    expect(classOfQrToken(token, [2, 3])).toBe(null);
    expect(classOfQrToken('garbage', [5])).toBe(5);
    expect(classOfQrToken('garbage', [5, 6])).toBe(null);
  });
  it('reads the session id', () => {
    expect(qrTokenSession(token)).toEqual({ sessionId: 1048577, classId: 1 });
    expect(qrTokenSession('garbage')).toBe(null);
  });
});

describe('check-in by code, through the typed client', () => {
  it('checks in online: 201 is a new check-in, 200 an existing one', async () => {
    signedIn('student', 31);
    const calls = stubFetch(json(201, rec(31, 'present')), json(200, rec(31, 'present')));
    const r = await checkInByCode(1, '123456', '1-s');
    expect(r).toMatchObject({ kind: 'ok', created: true, text: 'Checked in: present.' });
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/api/v1/attendance/check-in' });
    expect(JSON.parse(calls[0].body!)).toEqual({ method: 'verification_code', class_id: 1, code: '123456' });
    expect((await checkInByCode(1, '123456', '1-s')).text).toMatch(/^Already checked in/);
  });

  it('refuses a code that is not 6 digits without asking the server', async () => {
    signedIn('student', 32);
    const calls = stubFetch();
    expect(await checkInByCode(1, '12345', '1-s')).toEqual({ kind: 'error', code: 'invalid_field', text: 'Type the 6 digits your teacher shows.' });
    expect(calls).toHaveLength(0);
  });

  it('saves the check-in when the server cannot be reached, once, and sends it through sync', async () => {
    signedIn('student', 33);
    const calls = stubFetch(new TypeError('Failed to fetch'), new TypeError('Failed to fetch'));
    const a = await checkInByCode(1, '123456', '1-s', 'Class 1');
    expect(a).toMatchObject({ kind: 'queued', text: 'No connection: check-in saved, will send when online.' });
    const b = await checkInByCode(1, '123456', '1-s', 'Class 1');
    expect(b.kind).toBe('queued');
    expect(b.text).toMatch(/^No connection: this check-in is already saved \(at .*\), will send when online\.$/);
    const pending = await queue().pending(33);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ kind: 'check_in', method: 'verification_code', class_id: 1, code: '123456', class_name: 'Class 1' });
    expect(calls).toHaveLength(2);

    const op = pending[0];
    calls.length = 0;
    const sent = stubFetch(json(200, { results: [{ op_id: op.op_id, outcome: 'applied', record: rec(33, 'present') }], server_time: 't' }));
    const done = await flushQueue();
    expect(done).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', url: '/api/v1/sync' });
    const body = JSON.parse(sent[0].body!);
    expect(body.ops).toEqual([
      { op_id: op.op_id, kind: 'check_in', method: 'verification_code', class_id: 1, code: '123456', client_time: op.client_time },
    ]);
    expect(typeof body.client_id).toBe('string');
    expect(await queue().pending(33)).toEqual([]);
  });

  it('saves the check-in without a request when the browser is offline', async () => {
    signedIn('student', 34);
    vi.stubGlobal('navigator', { onLine: false });
    const calls = stubFetch();
    expect((await checkInByCode(1, '654321', '1-s')).kind).toBe('queued');
    expect(calls).toHaveLength(0);
    expect(await queue().pending(34)).toHaveLength(1);
  });

  it('counts wrong codes down from the server limit', async () => {
    const first = Date.parse('2026-12-08T09:00:00Z');
    vi.useFakeTimers({ toFake: ['Date'], now: first });
    signedIn('student', 35);
    stubFetch(...Array.from({ length: 5 }, () => closed(422, 'invalid_code')), closed(429, 'too_many_attempts'));
    const texts = [];
    for (let i = 0; i < 5; i++) {
      texts.push((await checkInByCode(1, '000000', '1-s')).text);
      vi.setSystemTime(Date.now() + 30_000);
    }
    const at = fmtTime('2026-12-08T09:10:00.000Z');
    expect(texts).toEqual([
      'Wrong code. 4 attempts left.',
      'Wrong code. 3 attempts left.',
      'Wrong code. 2 attempts left.',
      'Wrong code. 1 attempt left.',
      `Wrong code. Too many wrong codes. You can type a code again at ${at}. Scanning the QR code still works, or ask your teacher to mark you.`,
    ]);
    expect(await checkInByCode(1, '000000', '1-s')).toEqual({
      kind: 'error',
      code: 'too_many_attempts',
      text: `Too many wrong codes. You can type a code again at ${at}. Scanning the QR code still works, or ask your teacher to mark you.`,
      until: first + 10 * 60_000,
    });
    // Remembered for the page (a reload), for this class and session.
    expect(lockedUntil(35, 1, '1-s')).toBe(first + 10 * 60_000);
  });

  it('words other errors with errorText', async () => {
    signedIn('student', 36);
    stubFetch(closed(403, 'not_enrolled'), new Response('oops', { status: 200 }));
    expect(await checkInByCode(2, '123456', '2-s')).toEqual({ kind: 'error', code: 'not_enrolled', text: 'You are not enrolled in this class.' });
    // A 2xx that is not JSON: not an API error, the generic words.
    expect(await checkInByCode(2, '123456', '2-s')).toEqual({ kind: 'error', code: 'unknown', text: 'Something went wrong. Try again.' });
  });
});

describe('check-in by QR link', () => {
  it('explains an expired QR token', async () => {
    signedIn('student', 37);
    const calls = stubFetch(closed(422, 'invalid_code'));
    const r = await checkInByQr('tok');
    expect(r.text).toBe(
      'This QR code is not valid any more (it changes every few seconds). Scan the code on screen again, or type the 6-digit code below.',
    );
    expect(JSON.parse(calls[0].body!)).toEqual({ method: 'qr_code', qr_token: 'tok' });
  });

  it('saves the check-in offline when the class is known on this device', async () => {
    signedIn('student', 38);
    cacheClasses(38, [{ id: 1, name: 'Class 1', role: 'student' }]);
    stubFetch(new TypeError('Failed to fetch'));
    const r = await checkInByQr('AQAAAAAAEAABAAAAAAcjeUUuRidbqeL17qodQS_GvPSP');
    expect(r.kind).toBe('queued');
    expect(await queue().pending(38)).toMatchObject([{ method: 'qr_code', class_id: 1, class_name: 'Class 1' }]);
  });

  it('cannot save it offline when the class is unknown', async () => {
    signedIn('student', 39);
    stubFetch(new TypeError('Failed to fetch'));
    expect(await checkInByQr('garbage')).toMatchObject({ kind: 'error', code: 'network_error' });
  });
});
