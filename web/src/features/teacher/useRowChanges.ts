// One-tap changes of single roster rows (PUT override, API.md §4), and what each
// came to, shown in the row itself, where the teacher is looking.

import { useState } from 'preact/hooks';
import { overrideAttendance } from '../../api/client';
import { errorText } from '../../errors';
import { STATUS_LABEL } from '../../live/roster';
import type { AttendanceRecord, Session, Status } from '../../types';
import type { RowNote } from './RosterRow';

export interface RowChanges {
  notes: Map<number, RowNote>;
  busyIds: Set<number>;
  /** Sets one student's status (no reason). */
  quick: (r: AttendanceRecord, s: Status) => Promise<void>;
  /** A change made elsewhere (the override dialog) to note in its row. */
  saved: (r: AttendanceRecord) => void;
}

export function useRowChanges(session: Session, onRecords: (r: AttendanceRecord[]) => void): RowChanges {
  const [notes, setNotes] = useState<Map<number, RowNote>>(new Map());
  const [busyIds, setBusyIds] = useState<Set<number>>(new Set());
  const note = (id: number, n: RowNote) => setNotes((m) => new Map(m).set(id, n));
  const busy = (id: number, on: boolean) =>
    setBusyIds((s) => {
      const t = new Set(s);
      if (on) t.add(id);
      else t.delete(id);
      return t;
    });
  const saved = (r: AttendanceRecord) => note(r.student_id, { ok: true, text: `Marked ${STATUS_LABEL[r.attendance_status].toLowerCase()}` });
  async function quick(r: AttendanceRecord, s: Status) {
    busy(r.student_id, true);
    try {
      const rec = await overrideAttendance(session.id, r.student_id, { status: s, reason: null });
      onRecords([rec]);
      saved(rec);
    } catch (e) {
      note(r.student_id, { ok: false, text: errorText(e, 'override') });
    } finally {
      busy(r.student_id, false);
    }
  }
  return { notes, busyIds, quick, saved };
}
