// Whether the student's code box is open, and if not, why (in words).

import type { AttendanceRecord, Session } from '../../types';
import { lockoutText, statusText } from './words';

/** Statuses after which a code changes nothing: checked in, or set by the teacher for good. */
const DONE = new Set(['present', 'late', 'excused']);

/**
 * Why the code box is closed, or null when it is open. Nothing is closed before
 * the first snapshot (`known` false): offline, a code is saved for later.
 */
export function codeBlock(o: {
  known: boolean;
  session: Session | null;
  mine: AttendanceRecord | undefined;
  lockedUntil: number | null;
}): string | null {
  if (!o.known) return null;
  if (!o.session) return 'No session is open. The code box opens when your teacher starts the session.';
  if (o.session.status === 'closed') return 'This session is closed: check-in is over.';
  if (o.mine && DONE.has(o.mine.attendance_status)) {
    return o.mine.is_manual_override
      ? `Your teacher marked you ${statusText(o.mine)}. No code needed.`
      : `You are checked in (${statusText(o.mine)}). No code needed.`;
  }
  if (o.lockedUntil !== null) return lockoutText(o.lockedUntil);
  return null;
}
