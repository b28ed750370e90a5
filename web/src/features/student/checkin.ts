// Student check-in: online through the check-in call, offline (no network, or the
// call could not reach the server) through the sync queue.

import { checkIn } from '../../api/client';
import { ApiError } from '../../api/http';
import { CODE_DIGITS, MAX_CODE_ATTEMPTS } from '../../api/limits';
import { loadAuth } from '../../auth';
import { errorMessage, errorText } from '../../errors';
import { MAX_QUEUED, QueueFull, type QueuedOp } from '../../offline/queue';
import { addWrongAttempt, cachedClasses, clearWrongAttempts, wrongAttempts } from '../../storage';
import { fmtTime } from '../../ui/format';
import { broadcast, isOffline, queue } from './syncQueue';
import { lockedUntil, lockoutEnd, saveLockout } from './lockout';
import { type CheckInResult, describeCheckIn, lockoutText } from './words';

export type { CheckInResult } from './words';

const CODE_RE = new RegExp(`^\\d{${CODE_DIGITS}}$`);

async function enqueueCheckIn(
  userId: number,
  fields: { method: 'verification_code' | 'qr_code'; class_id: number; code?: string; qr_token?: string; class_name?: string },
): Promise<CheckInResult> {
  // A double click or a resubmit while offline does not queue a second op.
  let saved: { op: QueuedOp; added: boolean };
  try {
    saved = await queue().enqueueOnce({ user_id: userId, ...fields });
  } catch (e) {
    if (e instanceof QueueFull) {
      return { kind: 'error', code: 'queue_full', text: `No connection, and ${MAX_QUEUED} check-ins are already waiting on this device. Connect to send them first.` };
    }
    return { kind: 'error', code: 'storage_unavailable', text: 'No connection, and this device could not save the check-in. Try again when online.' };
  }
  const { op, added } = saved;
  if (!added) {
    return {
      kind: 'queued',
      op,
      text: `No connection: this check-in is already saved (at ${fmtTime(op.client_time)}), will send when online.`,
    };
  }
  broadcast();
  return { kind: 'queued', op, text: 'No connection: check-in saved, will send when online.' };
}

function errorResult(e: unknown): CheckInResult {
  const code = e instanceof ApiError ? e.code : 'unknown';
  return { kind: 'error', code, text: errorText(e, 'check-in', 'Something went wrong. Try again.') };
}

/** A wrong code: the attempts left, or (none left) until when codes are refused. */
function wrongCode(userId: number, classId: number, sessionKey: string): CheckInResult {
  const left = Math.max(0, MAX_CODE_ATTEMPTS - addWrongAttempt(userId, sessionKey));
  if (left === 0) return lockedOut(userId, classId, sessionKey, 'invalid_code');
  return { kind: 'error', code: 'invalid_code', text: `Wrong code. ${left} attempt${left === 1 ? '' : 's'} left.` };
}

/** Codes are refused for a while: until when (remembered for a reload), and that the QR code still works. */
function lockedOut(userId: number, classId: number, sessionKey: string, code: string): CheckInResult {
  const now = Date.now();
  const until = lockedUntil(userId, classId, sessionKey, now) ?? lockoutEnd(wrongAttempts(userId, sessionKey, now), now);
  saveLockout(userId, classId, sessionKey, until);
  const text = lockoutText(until);
  return { kind: 'error', code, text: code === 'invalid_code' ? `Wrong code. ${text}` : text, until };
}

export async function checkInByCode(classId: number, code: string, sessionKey: string, className?: string): Promise<CheckInResult> {
  const auth = loadAuth();
  if (!auth) return { kind: 'error', code: 'unauthorized', text: errorMessage('unauthorized') };
  const uid = auth.user.id;
  if (!CODE_RE.test(code)) return { kind: 'error', code: 'invalid_field', text: `Type the ${CODE_DIGITS} digits your teacher shows.` };
  const offline = () => enqueueCheckIn(uid, { method: 'verification_code', class_id: classId, code, class_name: className });
  if (isOffline()) return offline();
  try {
    const res = await checkIn({ method: 'verification_code', class_id: classId, code });
    clearWrongAttempts(uid, sessionKey);
    return { kind: 'ok', created: res.created, record: res.record, text: describeCheckIn(res.record, res.created) };
  } catch (e) {
    if (e instanceof ApiError && e.isNetwork) return offline();
    if (e instanceof ApiError && e.code === 'invalid_code') return wrongCode(uid, classId, sessionKey);
    if (e instanceof ApiError && e.code === 'too_many_attempts') return lockedOut(uid, classId, sessionKey, e.code);
    return errorResult(e);
  }
}

export function attemptsLeft(userId: number, sessionKey: string): number {
  return Math.max(0, MAX_CODE_ATTEMPTS - wrongAttempts(userId, sessionKey).length);
}

/**
 * The session a QR token is for, read without the server: the token's first
 * bytes after its version carry the session id, and a session id encodes its
 * class (docs/api.md: session_id = class_id * 2^20 + n). Null for garbage.
 */
export function qrTokenSession(token: string): { sessionId: number; classId: number } | null {
  try {
    const b64 = token.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    if (bin.length < 9) return null;
    let sid = 0;
    for (let i = 1; i <= 8; i++) sid = sid * 256 + bin.charCodeAt(i);
    return { sessionId: sid, classId: Math.floor(sid / 2 ** 20) };
  } catch {
    return null; // not base64
  }
}

/**
 * The class a QR token is for, if this device can tell without the server
 * (qrTokenSession), and only when it is one of the student's known classes (or
 * the student has just one). Used offline, and for an expired token's code box.
 */
export function classOfQrToken(token: string, knownClassIds: number[]): number | null {
  const s = qrTokenSession(token);
  if (s && knownClassIds.includes(s.classId)) return s.classId;
  return knownClassIds.length === 1 ? knownClassIds[0] : null;
}

export async function checkInByQr(qrToken: string): Promise<CheckInResult> {
  const auth = loadAuth();
  if (!auth) return { kind: 'error', code: 'unauthorized', text: errorMessage('unauthorized') };
  const offline = async (): Promise<CheckInResult> => {
    const classes = cachedClasses(auth.user.id) ?? [];
    const cls = classOfQrToken(qrToken, classes.map((c) => c.id));
    if (cls === null) {
      return { kind: 'error', code: 'network_error', text: 'No connection, and this device cannot tell which class the QR code is for. Type the code instead.' };
    }
    return enqueueCheckIn(auth.user.id, {
      method: 'qr_code',
      class_id: cls,
      qr_token: qrToken,
      class_name: classes.find((c) => c.id === cls)?.name,
    });
  };
  if (isOffline()) return offline();
  try {
    const res = await checkIn({ method: 'qr_code', qr_token: qrToken });
    return { kind: 'ok', created: res.created, record: res.record, text: describeCheckIn(res.record, res.created) };
  } catch (e) {
    if (e instanceof ApiError && e.isNetwork) return offline();
    if (e instanceof ApiError && e.code === 'invalid_code') {
      return { kind: 'error', code: e.code, text: `This QR code is not valid any more (it changes every few seconds). Scan the code on screen again, or type the ${CODE_DIGITS}-digit code below.` };
    }
    return errorResult(e);
  }
}
