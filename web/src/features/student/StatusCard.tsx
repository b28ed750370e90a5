import type { ConnectionStatus } from '../../live/feed';
import type { QueuedOp } from '../../offline/queue';
import type { AttendanceRecord, Session } from '../../types';
import { fmtTime } from '../../ui/format';
import { statusText } from './words';

function sessionText(known: boolean, status: ConnectionStatus, session: Session | null): string {
  if (!known) return status === 'offline' ? 'Offline: the session state is unknown.' : 'Connecting…';
  if (!session) return 'No session is open right now.';
  return session.status === 'open'
    ? `Open since ${fmtTime(session.starts_at)} (late after ${session.late_after_minutes} min)`
    : `Closed at ${fmtTime(session.closed_at)}`;
}

/** A check-in saved on this device counts until the server has a status of its own for the student. */
function isWaiting(mine: AttendanceRecord | undefined, waiting: QueuedOp | undefined): waiting is QueuedOp {
  return !!waiting && (!mine || mine.attendance_status === 'unmarked' || mine.attendance_status === 'absent');
}

function myStatusText(mine: AttendanceRecord | undefined, session: Session | null, waiting: QueuedOp | undefined): string {
  if (isWaiting(mine, waiting)) return `Waiting to send: checked in at ${fmtTime(waiting.client_time)} on this device, sent when online`;
  if (!mine) return session ? '…' : '—';
  const s = statusText(mine);
  const at = mine.check_in_time ? ` (checked in at ${fmtTime(mine.check_in_time)})` : '';
  const by = mine.is_manual_override ? ' · set by your teacher' : '';
  return `${s[0].toUpperCase()}${s.slice(1)}${at}${by}`;
}

/** The session's state and the student's own status, live. */
export function StatusCard({
  known,
  status,
  session,
  mine,
  waiting,
}: {
  /** Whether a snapshot arrived (before it, nothing is known). */
  known: boolean;
  status: ConnectionStatus;
  session: Session | null;
  mine: AttendanceRecord | undefined;
  /** The newest check-in for this class saved on this device, not sent yet. */
  waiting: QueuedOp | undefined;
}) {
  const shown = isWaiting(mine, waiting) ? 'waiting' : (mine?.attendance_status ?? '');
  return (
    <section class="card my-status-card">
      <h2 class="label">Session</h2>
      <p data-testid="session-state">{sessionText(known, status, session)}</p>
      <h2 class="label">My status</h2>
      <p class={`my-status st-${shown || 'unknown'}`} data-testid="my-status" data-status={shown}>
        {myStatusText(mine, session, waiting)}
      </p>
    </section>
  );
}
