// When a student may type codes again after too many wrong ones (API.md §4: 5
// wrong codes by one student for one session within 10 minutes answer
// `429 too_many_attempts` until the oldest of them is 10 minutes old). Kept in
// localStorage per user and class, with the session it is for, so a reload
// still shows it; forgotten once it has passed or another session is open.

import { CODE_ATTEMPTS_WINDOW_MS, MAX_CODE_ATTEMPTS } from '../../api/limits';
import { clearStoredLockout, storedLockout, storeLockout } from '../../storage';

/**
 * The end of the lockout, in ms since the epoch, from the wrong codes this device
 * sent (`attempts`, times in ms, within the window): the oldest of the last
 * MAX_CODE_ATTEMPTS plus the window. With fewer on this device (others came from
 * another device, or were forgotten) the server's window may have begun any time
 * before `now`: `now` plus the window is the latest it can end.
 */
export function lockoutEnd(attempts: number[], now: number): number {
  if (attempts.length < MAX_CODE_ATTEMPTS) return now + CODE_ATTEMPTS_WINDOW_MS;
  const last = [...attempts].sort((a, b) => a - b).slice(-MAX_CODE_ATTEMPTS);
  return last[0] + CODE_ATTEMPTS_WINDOW_MS;
}

/** Remembers that codes for this class's session are refused until `until`. */
export function saveLockout(userId: number, classId: number, sessionKey: string, until: number): void {
  storeLockout(userId, classId, { until, session: sessionKey });
}

/**
 * When codes for `sessionKey` may be typed again (ms since the epoch), or null if
 * they may now; a lockout that has passed, or is for another session, is forgotten.
 */
export function lockedUntil(userId: number, classId: number, sessionKey: string, now = Date.now()): number | null {
  const l = storedLockout(userId, classId);
  if (!l) return null;
  if (l.until <= now || l.session !== sessionKey) {
    clearStoredLockout(userId, classId);
    return null;
  }
  return l.until;
}
