// Builders for tests.
import type { AttendanceRecord, Counts, LiveEvent, Session, Status } from '../types';

export const EPOCH = '9f1c2a7b';
export const SESSION: Session = {
  id: 1048577,
  class_id: 1,
  class_name: 'Class 1',
  status: 'open',
  starts_at: '2026-11-22T08:00:00.000Z',
  closed_at: null,
  late_after_minutes: 5,
  verification_code: '123456',
};

export function rec(id: number, status: Status = 'unmarked', extra: Partial<AttendanceRecord> = {}): AttendanceRecord {
  return {
    student_id: id,
    student_name: `Student ${String(id).padStart(3, '0')}`,
    class_id: 1,
    class_session_id: SESSION.id,
    class_name: 'Class 1',
    attendance_status: status,
    check_in_time: status === 'present' || status === 'late' ? '2026-11-22T08:01:00.000Z' : null,
    is_late: status === 'late',
    late_minutes: status === 'late' ? 7 : 0,
    verification_method: status === 'unmarked' ? null : 'verification_code',
    is_manual_override: false,
    override_reason: null,
    offline: false,
    synced_at: null,
    timestamp: '2026-11-22T08:00:00.000Z',
    ...extra,
  };
}

export function counts(records: AttendanceRecord[]): Counts {
  const c: Counts = { present: 0, late: 0, absent: 0, excused: 0, unmarked: 0, total: 0 };
  for (const r of records) {
    c[r.attendance_status]++;
    c.total++;
  }
  return c;
}

export function established(
  seq: number,
  records: AttendanceRecord[],
  opts: { recovered?: boolean; role?: string; userId?: number; epoch?: string; session?: Session | null } = {},
): LiveEvent {
  return {
    type: 'connection_established',
    class_id: 1,
    seq,
    epoch: opts.epoch ?? EPOCH,
    timestamp: '2026-11-22T08:00:00.000Z',
    data: {
      role: opts.role ?? 'teacher',
      user_id: opts.userId ?? 2,
      recovered: opts.recovered ?? false,
      snapshot: { session: opts.session === undefined ? SESSION : opts.session, records, counts: counts(records) },
    },
  };
}

export function ev(type: string, seq: number, data: any, epoch = EPOCH): LiveEvent {
  return { type, class_id: 1, seq, epoch, timestamp: '2026-11-22T08:01:00.000Z', data };
}

export function joined(seq: number, r: AttendanceRecord): LiveEvent {
  return ev('student_joined', seq, { ...r, change: 'created' });
}
