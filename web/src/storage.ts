// Small localStorage helpers: the cached class list (so a student can check in by
// code while offline), the device's sync client id, and recent sync outcomes.

import { CODE_ATTEMPTS_WINDOW_MS } from './api/limits';
import type { ClassSummary } from './types';

function ls(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

function read<T>(key: string, fallback: T): T {
  const raw = ls()?.getItem(key);
  if (!raw) return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return fallback;
  }
}

function write(key: string, v: unknown): void {
  try {
    ls()?.setItem(key, JSON.stringify(v));
  } catch {
    /* storage full or disabled */
  }
}

export function cachedClasses(userId: number): ClassSummary[] | null {
  return read<ClassSummary[] | null>(`rollcall.classes.${userId}`, null);
}

export function cacheClasses(userId: number, classes: ClassSummary[]): void {
  write(`rollcall.classes.${userId}`, classes);
}

export function clientId(): string {
  let id = ls()?.getItem('rollcall.client_id');
  if (!id) {
    id = `web-${crypto.randomUUID ? crypto.randomUUID() : Math.random().toString(36).slice(2)}`;
    ls()?.setItem('rollcall.client_id', id);
  }
  return id;
}

/** Wrong verification codes this device sent for a class's session, within the server's window (API.md §4). */
export function wrongAttempts(userId: number, sessionKey: string, now = Date.now()): number[] {
  return read<number[]>(`rollcall.wrong.${userId}.${sessionKey}`, []).filter((t) => now - t < CODE_ATTEMPTS_WINDOW_MS);
}

export function addWrongAttempt(userId: number, sessionKey: string, now = Date.now()): number {
  const list = [...wrongAttempts(userId, sessionKey, now), now];
  write(`rollcall.wrong.${userId}.${sessionKey}`, list);
  return list.length;
}

export function clearWrongAttempts(userId: number, sessionKey: string): void {
  ls()?.removeItem(`rollcall.wrong.${userId}.${sessionKey}`);
}

export interface StoredOutcome {
  op_id: string;
  class_id: number;
  client_time: string;
  text: string;
  ok: boolean;
  at: number;
}

export function outcomes(userId: number): StoredOutcome[] {
  return read<StoredOutcome[]>(`rollcall.outcomes.${userId}`, []);
}

export function addOutcomes(userId: number, list: StoredOutcome[]): void {
  const all = [...list, ...outcomes(userId)].slice(0, 20);
  write(`rollcall.outcomes.${userId}`, all);
}

/** Codes for a class's session refused until `until` (ms): features/student/lockout.ts. */
export interface StoredLockout {
  until: number;
  session: string;
}

export function storedLockout(userId: number, classId: number): StoredLockout | null {
  const l = read<StoredLockout | null>(`rollcall.lockout.${userId}.${classId}`, null);
  return l && typeof l.until === 'number' && typeof l.session === 'string' ? l : null;
}

export function storeLockout(userId: number, classId: number, l: StoredLockout): void {
  write(`rollcall.lockout.${userId}.${classId}`, l);
}

export function clearStoredLockout(userId: number, classId: number): void {
  ls()?.removeItem(`rollcall.lockout.${userId}.${classId}`);
}
