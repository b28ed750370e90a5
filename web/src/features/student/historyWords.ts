// The student's history in words: what each record says about them.

import type { AttendanceRecord } from '../../types';

/** "Present", "Late (12 min)", "Absent", "Excused (doctor)", "Not checked in yet". */
export function historyStatusText(r: AttendanceRecord): string {
  const why = r.is_manual_override && r.override_reason ? ` (${r.override_reason})` : '';
  switch (r.attendance_status) {
    case 'present':
      return `Present${why}`;
    case 'late':
      return r.late_minutes > 0 ? `Late (${r.late_minutes} min)${why}` : `Late${why}`;
    case 'absent':
      return `Absent${why}`;
    case 'excused':
      return `Excused${why}`;
    case 'unmarked':
      return 'Not checked in yet';
  }
}
