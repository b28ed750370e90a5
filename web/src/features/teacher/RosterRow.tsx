import { STATUS_LABEL } from '../../live/roster';
import type { AttendanceRecord, Status } from '../../types';
import { fmtTime } from '../../ui/format';
import { methodLabel } from './labels';
import { OfflineBadge } from './OfflineBadge';
import { RosterActions } from './RosterActions';

/** What happened to a row after the teacher acted on it, shown in the row. */
export interface RowNote {
  text: string;
  ok: boolean;
}

/** One student: status (with override, offline sync and reason), check-in time, lateness, method. */
export function RosterRow({
  record: r,
  selected,
  onToggle,
  flash,
  onOverride,
  onQuick,
  note,
  busy,
}: {
  record: AttendanceRecord;
  selected: boolean;
  onToggle: () => void;
  /** Highlight generation while the row flashes after a change. */
  flash: number | undefined;
  onOverride: () => void;
  onQuick: (s: Status) => void;
  note: RowNote | undefined;
  /** A change of this row is on its way. */
  busy: boolean;
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
      <td class="name">
        {r.student_name}
        {note && (
          <span class={`row-note ${note.ok ? 'ok' : 'error'}`} data-testid="row-note">
            {note.text}
          </span>
        )}
      </td>
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
        <RosterActions record={r} busy={busy} onQuick={onQuick} onOverride={onOverride} />
      </td>
    </tr>
  );
}
