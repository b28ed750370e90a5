// Student check-in: online through REST, offline through the sync queue.

import { ApiError, post } from './api';
import { clearAuth, loadAuth } from './auth';
import { errorMessage, MAX_CODE_ATTEMPTS } from './errors';
import { IdbOpStore, MAX_QUEUED, MemoryOpStore, OfflineQueue, QueueFull, type FlushedOp, type OpStore, type QueuedOp } from './offline/queue';
import { addOutcomes, addWrongAttempt, cachedClasses, clearWrongAttempts, clientId, wrongAttempts } from './storage';
import type { AttendanceRecord, SyncResponse } from './types';

export type CheckInResult =
  | { kind: 'ok'; created: boolean; record: AttendanceRecord; text: string }
  | { kind: 'queued'; op: QueuedOp; text: string }
  | { kind: 'error'; code: string; text: string };

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function statusText(r: AttendanceRecord): string {
  switch (r.attendance_status) {
    case 'late':
      return `late ${r.late_minutes} min`;
    case 'unmarked':
      return 'not checked in yet';
    default:
      return r.attendance_status;
  }
}

/** What a check-in answer means for the student, in words. */
export function describeCheckIn(record: AttendanceRecord, created: boolean): string {
  if (record.is_manual_override) {
    const why = record.override_reason ? ` (${record.override_reason})` : '';
    return `Your teacher marked you ${statusText(record)}${why}.`;
  }
  if (created) {
    return record.attendance_status === 'late'
      ? `Checked in: late ${record.late_minutes} min.`
      : `Checked in: ${statusText(record)}.`;
  }
  const at = record.check_in_time ? ` at ${fmtTime(record.check_in_time)}` : '';
  return `Already checked in${at}: ${statusText(record)}.`;
}

export function describeSync(f: FlushedOp): { text: string; ok: boolean } {
  const r = f.result;
  const when = fmtTime(f.op.client_time);
  switch (r.outcome) {
    case 'applied':
      return {
        ok: true,
        text: r.record
          ? r.record.is_manual_override
            ? `Offline check-in from ${when} sent. ${describeCheckIn(r.record, false)}`
            : `Offline check-in from ${when} sent: ${statusText(r.record)}.`
          : `Offline check-in from ${when} sent.`,
      };
    case 'duplicate':
      return {
        ok: true,
        text: `Offline check-in from ${when} was already received${r.record ? `: ${statusText(r.record)}` : ''}.`,
      };
    case 'superseded':
      return {
        ok: true,
        text: r.record
          ? `Offline check-in from ${when} was not needed. ${describeCheckIn(r.record, false)}`
          : `Offline check-in from ${when} was not needed.`,
      };
    default:
      return {
        ok: false,
        text: `Offline check-in from ${when} was refused: ${errorMessage(r.error?.code ?? 'unknown', 'check-in', r.error?.message)}`,
      };
  }
}

function makeStore(): OpStore {
  try {
    if (typeof indexedDB !== 'undefined') return new IdbOpStore(indexedDB);
  } catch {
    /* fall through */
  }
  return new MemoryOpStore();
}

async function sendSync(body: { client_id: string; ops: Record<string, unknown>[] }): Promise<SyncResponse> {
  return post<SyncResponse>('/api/v1/sync', body);
}

let queueInstance: OfflineQueue | null = null;
let channel: BroadcastChannel | null = null;

export function queue(): OfflineQueue {
  if (!queueInstance) {
    queueInstance = new OfflineQueue(makeStore(), sendSync, clientId());
    if (typeof BroadcastChannel !== 'undefined') {
      channel = new BroadcastChannel('rollcall-queue');
      // Another tab changed the queue: let this tab's listeners re-read it.
      channel.onmessage = () => queueInstance?.notify();
    }
  }
  return queueInstance;
}

function broadcast(): void {
  try {
    channel?.postMessage('changed');
  } catch {
    /* closed */
  }
}

export function isOffline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false;
}

type FlushListener = (done: FlushedOp[]) => void;
const flushListeners = new Set<FlushListener>();
export function onFlushed(l: FlushListener): () => void {
  flushListeners.add(l);
  return () => flushListeners.delete(l);
}

/** Sends the queued ops of the signed-in user, if any. Never throws. */
export async function flushQueue(): Promise<FlushedOp[]> {
  const auth = loadAuth();
  if (!auth || auth.user.role !== 'student') return [];
  const q = queue();
  if (!(await q.pending(auth.user.id)).length) return [];
  let done: FlushedOp[];
  try {
    done = await q.flush(auth.user.id);
  } catch {
    return []; // kept; retried later
  }
  if (done.length) {
    addOutcomes(
      auth.user.id,
      done.map((f) => ({ op_id: f.op.op_id, class_id: f.op.class_id, client_time: f.op.client_time, at: Date.now(), ...describeSync(f) })),
    );
    broadcast();
    for (const l of flushListeners) l(done);
  }
  return done;
}

let flushTimer: ReturnType<typeof setInterval> | null = null;

/** Flushes on start, when the browser comes online, and every few seconds while ops wait. */
export function startAutoFlush(): void {
  if (flushTimer || typeof window === 'undefined') return;
  window.addEventListener('online', () => void flushQueue());
  flushTimer = setInterval(() => {
    if (!isOffline()) void flushQueue();
  }, 3_000);
  void flushQueue();
}

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

function errorResult(e: unknown, context: 'check-in'): CheckInResult {
  if (e instanceof ApiError) return { kind: 'error', code: e.code, text: errorMessage(e.code, context, e.message) };
  return { kind: 'error', code: 'unknown', text: 'Something went wrong. Try again.' };
}

export async function checkInByCode(classId: number, code: string, sessionKey: string, className?: string): Promise<CheckInResult> {
  const auth = loadAuth();
  if (!auth) return { kind: 'error', code: 'unauthorized', text: errorMessage('unauthorized') };
  const uid = auth.user.id;
  if (!/^\d{6}$/.test(code)) return { kind: 'error', code: 'invalid_field', text: 'Type the 6 digits your teacher shows.' };
  if (isOffline()) return enqueueCheckIn(uid, { method: 'verification_code', class_id: classId, code, class_name: className });
  try {
    const res = await fetchCheckIn({ method: 'verification_code', class_id: classId, code });
    clearWrongAttempts(uid, sessionKey);
    return { kind: 'ok', created: res.created, record: res.record, text: describeCheckIn(res.record, res.created) };
  } catch (e) {
    if (e instanceof ApiError && e.isNetwork) {
      return enqueueCheckIn(uid, { method: 'verification_code', class_id: classId, code, class_name: className });
    }
    if (e instanceof ApiError && e.code === 'invalid_code') {
      const n = addWrongAttempt(uid, sessionKey);
      const left = Math.max(0, MAX_CODE_ATTEMPTS - n);
      return {
        kind: 'error',
        code: e.code,
        text:
          left > 0
            ? `Wrong code. ${left} attempt${left === 1 ? '' : 's'} left.`
            : 'Wrong code. No attempts left: wait 10 minutes, or ask your teacher to mark you.',
      };
    }
    return errorResult(e, 'check-in');
  }
}

export function attemptsLeft(userId: number, sessionKey: string): number {
  return Math.max(0, MAX_CODE_ATTEMPTS - wrongAttempts(userId, sessionKey).length);
}

async function fetchCheckIn(body: Record<string, unknown>): Promise<{ created: boolean; record: AttendanceRecord }> {
  // Like api.ts, but the caller needs the status (201 created, 200 existing).
  const { token } = loadAuth() ?? { token: '' };
  let res: Response;
  try {
    res = await fetch('/api/v1/attendance/check-in', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network_error', 'No connection to the server.');
  }
  if (!res.ok) {
    let code = `http_${res.status}`;
    let message = `HTTP ${res.status}`;
    try {
      const j = await res.json();
      code = j?.error?.code ?? code;
      message = j?.error?.message ?? message;
    } catch {
      /* not JSON */
    }
    if (res.status === 401) clearAuth();
    throw new ApiError(res.status, code, message);
  }
  return { created: res.status === 201, record: (await res.json()) as AttendanceRecord };
}

/**
 * The class a QR token is for, if this device can tell without the server: the
 * token's first bytes after its version carry the session id, and a session id
 * encodes its class (docs/api.md: session_id = class_id * 2^20 + n). Only used
 * offline, and only when the class is one of the student's known classes.
 */
export function classOfQrToken(token: string, knownClassIds: number[]): number | null {
  try {
    const b64 = token.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    if (bin.length >= 9) {
      let sid = 0;
      for (let i = 1; i <= 8; i++) sid = sid * 256 + bin.charCodeAt(i);
      const cls = Math.floor(sid / 2 ** 20);
      if (knownClassIds.includes(cls)) return cls;
    }
  } catch {
    /* not base64 */
  }
  return knownClassIds.length === 1 ? knownClassIds[0] : null;
}

export async function checkInByQr(qrToken: string): Promise<CheckInResult> {
  const auth = loadAuth();
  if (!auth) return { kind: 'error', code: 'unauthorized', text: errorMessage('unauthorized') };
  const offlineQueue = async (): Promise<CheckInResult> => {
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
  if (isOffline()) return offlineQueue();
  try {
    const res = await fetchCheckIn({ method: 'qr_code', qr_token: qrToken });
    return { kind: 'ok', created: res.created, record: res.record, text: describeCheckIn(res.record, res.created) };
  } catch (e) {
    if (e instanceof ApiError && e.isNetwork) return offlineQueue();
    if (e instanceof ApiError && e.code === 'invalid_code') {
      return { kind: 'error', code: e.code, text: 'This QR code is not valid any more (it changes every few seconds). Scan the code on screen again, or type the 6-digit code.' };
    }
    return errorResult(e, 'check-in');
  }
}
