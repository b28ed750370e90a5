import { STATUS_LABEL } from '../../live/roster';
import type { AttendanceRecord } from '../../types';
import { fmtTime } from '../../ui/format';
import { methodLabel } from './labels';
import { OfflineBadge } from './OfflineBadge';

/** One student: status (with override, offline sync and reason), check-in time, lateness, method. */
export function RosterRow({
  record: r,
  selected,
  onToggle,
  flash,
  onOverride,
}: {
  record: AttendanceRecord;
  selected: boolean;
  onToggle: () => void;
  /** Highlight generation while the row flashes after a change. */
  flash: number | undefined;
  onOverride: () => void;
}) {
  return (
    <tr
      data-testid="student-row"
      data-student-id={r.student_id}
      data-status={r.attendance_status}
      data-check-in-time={r.check_in_time ?? ''}
      data-override={r.is_manual_override ? 'true' : 'false'}
      data-offline={r.offline ? 'true' : 'false'}
      class={`st-${r.attendance_status}${flash !== undefined ? ` flash flash${flash % 2}` : ''}`}
    >
      <td class="sel">
        <input type="checkbox" aria-label={`Select ${r.student_name}`} checked={selected} onChange={onToggle} />
      </td>
      <td class="name">{r.student_name}</td>
      <td class="status">
        <span class={`badge b-${r.attendance_status}`}>{STATUS_LABEL[r.attendance_status]}</span>
        {r.is_manual_override && (
          <span class="badge b-override" title={r.override_reason ?? 'set by a teacher'}>
            override
          </span>
        )}
        <OfflineBadge offline={r.offline} syncedAt={r.synced_at} />
        {r.override_reason && <div class="reason small muted">{r.override_reason}</div>}
      </td>
      <td class="time">{fmtTime(r.check_in_time)}</td>
      <td class="late">{r.attendance_status === 'late' || r.late_minutes > 0 ? `${r.late_minutes} min` : ''}</td>
      <td class="method small">{methodLabel(r.verification_method) || '—'}</td>
      <td class="actions">
        <button class="small-btn" aria-label={`Override ${r.student_name}`} onClick={onOverride}>
          Override
        </button>
      </td>
    </tr>
  );
}
