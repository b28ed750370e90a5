import type { AttendanceRecord, Status } from '../../types';
import { RosterRow, type RowNote } from './RosterRow';

/** The roster's table: one row per student, a checkbox to select them all. */
export function RosterTable({
  records,
  selected,
  onSelected,
  flash,
  onOverride,
  onQuick,
  notes,
  busyIds,
}: {
  records: AttendanceRecord[];
  selected: Set<number>;
  onSelected: (s: Set<number>) => void;
  flash: Map<number, number>;
  onOverride: (r: AttendanceRecord) => void;
  onQuick: (r: AttendanceRecord, s: Status) => void;
  notes: Map<number, RowNote>;
  busyIds: Set<number>;
}) {
  const allSelected = records.length > 0 && records.every((r) => selected.has(r.student_id));
  function toggle(id: number) {
    const s = new Set(selected);
    if (s.has(id)) s.delete(id);
    else s.add(id);
    onSelected(s);
  }
  return (
    <table class="roster-table">
      <thead>
        <tr>
          <th>
            <input
              type="checkbox"
              aria-label="Select all students"
              checked={allSelected}
              onChange={() => onSelected(allSelected ? new Set() : new Set(records.map((r) => r.student_id)))}
            />
          </th>
          <th>Student</th>
          <th>Status</th>
          <th>Check-in</th>
          <th>Late</th>
          <th>Method</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {records.map((r) => (
          <RosterRow
            key={r.student_id}
            record={r}
            selected={selected.has(r.student_id)}
            onToggle={() => toggle(r.student_id)}
            flash={flash.get(r.student_id)}
            onOverride={() => onOverride(r)}
            onQuick={(s) => onQuick(r, s)}
            note={notes.get(r.student_id)}
            busy={busyIds.has(r.student_id)}
          />
        ))}
      </tbody>
    </table>
  );
}
