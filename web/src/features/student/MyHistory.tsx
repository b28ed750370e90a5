import { getMyAttendance } from '../../api/client';
import { errorText } from '../../errors';
import { ErrorText, SubPageHead } from '../../ui/common';
import { fmtDate, fmtTime } from '../../ui/format';
import { useRetrying } from '../../ui/useRetrying';
import { historyStatusText } from './historyWords';

/** The student's own attendance in every class, newest first (`GET /me/attendance`). */
export function MyHistory({ userId }: { userId: number }) {
  const { data, error } = useRetrying(() => getMyAttendance(), userId);
  return (
    <div class="page my-history">
      <SubPageHead title="My attendance" back="/" backLabel="My classes" />
      <ErrorText error={error ? errorText(error) : null} />
      {!data && !error && <p class="muted">Loading your attendance…</p>}
      {data && data.records.length === 0 && <p>No sessions yet: your attendance will be listed here.</p>}
      {data && data.records.length > 0 && (
        <ul class="history-list" aria-label="Sessions, newest first">
          {data.records.map((r) => (
            <li key={r.class_session_id} class="card history-item" data-testid="my-record" data-session-id={r.class_session_id} data-status={r.attendance_status}>
              <div class="history-class">{r.class_name}</div>
              <div class="muted small">
                {/* A record carries no start time: the check-in's day, else the day it was last set (the close, usually). */}
                {fmtDate(r.check_in_time ?? r.timestamp)}
                {r.check_in_time ? ` · checked in ${fmtTime(r.check_in_time)}` : ''}
              </div>
              <div class={`history-status s-${r.attendance_status}`}>{historyStatusText(r)}</div>
            </li>
          ))}
        </ul>
      )}
      {data?.truncated && <p class="muted small">Only your newest {data.records.length} sessions are listed.</p>}
    </div>
  );
}
