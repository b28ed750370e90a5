import type { ConnectionStatus } from '../../live/feed';
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

function myStatusText(mine: AttendanceRecord | undefined, session: Session | null): string {
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
}: {
  /** Whether a snapshot arrived (before it, nothing is known). */
  known: boolean;
  status: ConnectionStatus;
  session: Session | null;
  mine: AttendanceRecord | undefined;
}) {
  return (
    <section class="card my-status-card">
      <h2 class="label">Session</h2>
      <p data-testid="session-state">{sessionText(known, status, session)}</p>
      <h2 class="label">My status</h2>
      <p class={`my-status st-${mine?.attendance_status ?? 'unknown'}`} data-testid="my-status" data-status={mine?.attendance_status ?? ''}>
        {myStatusText(mine, session)}
      </p>
    </section>
  );
}
