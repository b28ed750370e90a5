import { STATUS_LABEL } from '../../live/roster';
import type { AttendanceRecord, Status } from '../../types';

/** The one-tap statuses; Excused (and any reason) go through the override dialog. */
export const QUICK: Status[] = ['present', 'late', 'absent'];

/** A row's buttons: Present, Late, Absent at one tap, Override for the rest. */
export function RosterActions({
  record: r,
  busy,
  onQuick,
  onOverride,
}: {
  record: AttendanceRecord;
  busy: boolean;
  onQuick: (s: Status) => void;
  onOverride: () => void;
}) {
  return (
    <div class="row-actions">
      {QUICK.map((s) => (
        <button
          key={s}
          class={`small-btn quick q-${s}`}
          aria-label={`Mark ${r.student_name} ${STATUS_LABEL[s].toLowerCase()}`}
          aria-pressed={r.attendance_status === s}
          disabled={busy}
          onClick={() => onQuick(s)}
        >
          {STATUS_LABEL[s]}
        </button>
      ))}
      <button class="small-btn" aria-label={`Override ${r.student_name}`} onClick={onOverride}>
        Override
      </button>
    </div>
  );
}
