// The live roster of one class: a pure state machine fed with the frames of
// /ws/attendance/{class_id} (API.md §5) and with REST answers.
//
// Rules:
// - `connection_established` with `recovered: false` replaces everything with its
//   snapshot and sets `seq` to the frame's seq; with `recovered: true` the state is
//   kept and the replayed events that follow bring it up to date.
// - An event whose seq is not above the last one applied is a duplicate: ignored.
// - Teachers (strict) see every event of the class, so a seq that skips one is a
//   gap: nothing is applied and the caller must resume (since + epoch). Students see
//   only some events (gaps are normal), so any higher seq is applied.
// - An event of another epoch means the history the state came from is gone: gap.
// - REST answers (own writes, reconciles) merge record by record: the version with
//   the later `timestamp` (server commit time) wins, so merging is idempotent and
//   order-independent with the live events.

import type { AttendanceRecord, Counts, LiveEvent, Role, Session, Status } from '../types';

export interface RosterState {
  classId: number;
  role: Role | null;
  userId: number | null;
  epoch: string | null;
  /** Last seq applied (or the seq of the snapshot). -1 before the first frame. */
  seq: number;
  session: Session | null;
  /** Records of `session`, by student id. */
  records: ReadonlyMap<number, AttendanceRecord>;
  /** Counts as last reported by the server for `session`. */
  counts: Counts | null;
  /** Students known to be enrolled (teachers), to build the roster of a new session. */
  students: ReadonlyMap<number, string>;
}

export type Outcome =
  | 'snapshot' // state replaced by a fresh snapshot
  | 'resumed' // connection re-established, replay follows
  | 'applied'
  | 'duplicate'
  | 'gap' // teacher missed something (or epoch changed): resume
  | 'pong'
  | 'ignored';

export interface ApplyResult {
  state: RosterState;
  outcome: Outcome;
  /** Student ids whose record changed (for highlighting). */
  changed: number[];
  /** Human announcements for aria-live. */
  notes: string[];
  /** A session whose records should be fetched over REST to make sure they are final. */
  reconcile?: number;
}

export const EMPTY_COUNTS: Counts = { present: 0, late: 0, absent: 0, excused: 0, unmarked: 0, total: 0 };

export function initialState(classId: number, students: Iterable<[number, string]> = []): RosterState {
  return {
    classId,
    role: null,
    userId: null,
    epoch: null,
    seq: -1,
    session: null,
    records: new Map(),
    counts: null,
    students: new Map(students),
  };
}

export function isStrict(state: RosterState): boolean {
  return state.role === 'teacher' || state.role === 'admin';
}

/** Counts computed from the records (what the roster shows). */
export function countRecords(records: Iterable<AttendanceRecord>): Counts {
  const c: Counts = { ...EMPTY_COUNTS };
  for (const r of records) {
    c[r.attendance_status] += 1;
    c.total += 1;
  }
  return c;
}

function sameCounts(a: Counts, b: Counts): boolean {
  return (
    a.present === b.present &&
    a.late === b.late &&
    a.absent === b.absent &&
    a.excused === b.excused &&
    a.unmarked === b.unmarked &&
    a.total === b.total
  );
}

function unmarkedRecord(session: Session, studentId: number, name: string): AttendanceRecord {
  return {
    student_id: studentId,
    student_name: name,
    class_id: session.class_id,
    class_session_id: session.id,
    class_name: session.class_name,
    attendance_status: 'unmarked',
    check_in_time: null,
    is_late: false,
    late_minutes: 0,
    verification_method: null,
    is_manual_override: false,
    override_reason: null,
    offline: false,
    synced_at: null,
    // Older than anything the server commits for this session: any real version wins.
    timestamp: '',
  };
}

function statusWords(r: AttendanceRecord): string {
  if (r.attendance_status === 'late') return `late ${r.late_minutes} min`;
  if (r.attendance_status === 'unmarked') return 'not yet checked in';
  return r.attendance_status;
}

function stripChange(r: AttendanceRecord): AttendanceRecord {
  if (r.change === undefined) return r;
  const { change: _c, ...rest } = r;
  return rest;
}

/** Merges records into the map; returns the ids that changed. Later `timestamp` wins. */
function mergeInto(
  map: Map<number, AttendanceRecord>,
  session: Session | null,
  incoming: AttendanceRecord[],
): number[] {
  const changed: number[] = [];
  if (!session) return changed;
  for (const raw of incoming) {
    if (raw.class_session_id !== session.id) continue;
    const rec = stripChange(raw);
    const cur = map.get(rec.student_id);
    if (cur && cur.timestamp > rec.timestamp) continue;
    if (cur && recordsEqual(cur, rec)) continue;
    map.set(rec.student_id, rec);
    changed.push(rec.student_id);
  }
  return changed;
}

function recordsEqual(a: AttendanceRecord, b: AttendanceRecord): boolean {
  return (
    a.timestamp === b.timestamp &&
    a.attendance_status === b.attendance_status &&
    a.check_in_time === b.check_in_time &&
    a.late_minutes === b.late_minutes &&
    a.verification_method === b.verification_method &&
    a.is_manual_override === b.is_manual_override &&
    a.override_reason === b.override_reason
  );
}

function result(state: RosterState, outcome: Outcome, extra: Partial<ApplyResult> = {}): ApplyResult {
  return { state, outcome, changed: [], notes: [], ...extra };
}

/**
 * Applies one frame. `strict` overrides the role-derived rule (tests); by default
 * teachers and admins are strict (no gaps allowed), students are not.
 */
export function applyFrame(state: RosterState, msg: LiveEvent, strict?: boolean): ApplyResult {
  if (msg.type === 'connection_established') return applyEstablished(state, msg);
  const strictMode = strict ?? isStrict(state);
  if (state.epoch === null) return result(state, 'ignored'); // nothing before the first frame
  if (msg.type === 'pong') {
    if (msg.epoch !== state.epoch) return result(state, 'gap');
    // The pong carries the last seq this subscriber was sent: a teacher behind it lost events.
    if (strictMode && typeof msg.seq === 'number' && msg.seq > state.seq) return result(state, 'gap');
    return result(state, 'pong');
  }
  if (typeof msg.seq !== 'number') return result(state, 'ignored');
  if (msg.epoch !== state.epoch) return result(state, 'gap');
  if (msg.seq <= state.seq) return result(state, 'duplicate');
  if (strictMode && msg.seq !== state.seq + 1) return result(state, 'gap');
  const applied = applyEvent({ ...state, seq: msg.seq }, msg);
  return { ...applied, outcome: 'applied' };
}

function applyEstablished(state: RosterState, msg: LiveEvent): ApplyResult {
  const d = msg.data ?? {};
  const base: RosterState = {
    ...state,
    role: d.role ?? state.role,
    userId: typeof d.user_id === 'number' ? d.user_id : state.userId,
  };
  if (d.recovered === true && state.epoch === msg.epoch && state.seq >= 0) {
    // The replay of every event after `since` follows; the snapshot is ignored.
    return result(base, 'resumed');
  }
  const snap = d.snapshot ?? { session: null, records: [], counts: null };
  let session: Session | null = snap.session ?? null;
  const records = new Map<number, AttendanceRecord>();
  let counts: Counts | null = snap.counts ?? null;
  let reconcile: number | undefined;
  if (session) {
    for (const r of snap.records ?? []) records.set(r.student_id, stripChange(r));
  } else if (state.session && state.session.status === 'closed') {
    // No open session: keep showing the session that closed, and check it is final.
    session = state.session;
    for (const [k, v] of state.records) records.set(k, v);
    counts = state.counts;
    reconcile = session.id;
  }
  const students = new Map(state.students);
  if (base.role === 'teacher' || base.role === 'admin') {
    for (const r of records.values()) if (!students.has(r.student_id)) students.set(r.student_id, r.student_name);
  }
  const changed = [...records.keys()].filter((id) => {
    const old = state.records.get(id);
    const now = records.get(id)!;
    return !old || !recordsEqual(old, now);
  });
  const next: RosterState = { ...base, epoch: msg.epoch, seq: msg.seq, session, records, counts, students };
  return result(next, 'snapshot', { changed: state.seq >= 0 ? changed : [], reconcile });
}

function applyEvent(state: RosterState, msg: LiveEvent): ApplyResult {
  const d = msg.data ?? {};
  switch (msg.type) {
    case 'session_opened': {
      const session = d as Session;
      const records = new Map<number, AttendanceRecord>();
      if (isStrict(state)) {
        for (const [id, name] of state.students) records.set(id, unmarkedRecord(session, id, name));
      } else if (state.userId !== null) {
        const mine = state.records.get(state.userId);
        records.set(state.userId, unmarkedRecord(session, state.userId, mine?.student_name ?? ''));
      }
      const counts: Counts = { ...EMPTY_COUNTS, unmarked: records.size, total: records.size };
      return result(
        { ...state, session, records, counts: isStrict(state) ? counts : null },
        'applied',
        { changed: [...records.keys()], notes: ['Session started'], reconcile: isStrict(state) ? session.id : undefined },
      );
    }
    case 'session_closed': {
      const session = d as Session;
      if (state.session && state.session.id !== session.id) {
        return result(state, 'applied');
      }
      // Every unmarked student becomes absent (`session_close`); the server sends
      // no record events for these, so the roster applies the same rule.
      const records = new Map(state.records);
      const changed: number[] = [];
      for (const [id, r] of records) {
        if (r.attendance_status === 'unmarked') {
          records.set(id, {
            ...r,
            attendance_status: 'absent',
            verification_method: 'session_close',
            timestamp: session.closed_at ?? r.timestamp,
          });
          changed.push(id);
        }
      }
      return result({ ...state, session, records }, 'applied', {
        changed,
        notes: [`Session closed${changed.length ? `: ${changed.length} marked absent` : ''}`],
        reconcile: session.id,
      });
    }
    case 'student_joined':
    case 'attendance_update': {
      const incoming: AttendanceRecord[] = d.operation === 'bulk' ? d.records ?? [] : [d as AttendanceRecord];
      const records = new Map(state.records);
      const changed = mergeInto(records, state.session, incoming);
      const notes: string[] = [];
      if (d.operation === 'bulk') {
        if (isStrict(state)) notes.push(`${d.updated ?? incoming.length} students updated`);
        else for (const r of incoming) notes.push(`Your teacher marked you ${statusWords(r)}`);
      } else if (changed.length) {
        const r = records.get(changed[0])!;
        if (isStrict(state)) {
          if (msg.type === 'student_joined') notes.push(`${r.student_name} checked in: ${statusWords(r)}`);
          else if (r.is_manual_override) notes.push(`${r.student_name} marked ${statusWords(r)} by teacher`);
          else notes.push(`${r.student_name}: ${statusWords(r)}`);
        } else if (r.is_manual_override) {
          notes.push(`Your teacher marked you ${statusWords(r)}`);
        } else {
          notes.push(`You checked in: ${statusWords(r)}`);
        }
      }
      return result({ ...state, records }, 'applied', { changed, notes });
    }
    case 'attendance_state_changed': {
      if (!state.session || d.class_session_id !== state.session.id) return result(state, 'applied');
      const counts = d.counts as Counts;
      const next = { ...state, counts };
      // A teacher's roster must agree with the server's counts; if not, fetch it.
      if (isStrict(state) && !sameCounts(countRecords(state.records.values()), counts)) {
        return result(next, 'applied', { reconcile: state.session.id });
      }
      return result(next, 'applied');
    }
    case 'student_joined_class': {
      const students = new Map(state.students);
      students.set(d.student_id, d.student_name);
      let records = state.records;
      const changed: number[] = [];
      if (state.session && state.session.status === 'open' && !state.records.has(d.student_id)) {
        const m = new Map(state.records);
        m.set(d.student_id, unmarkedRecord(state.session, d.student_id, d.student_name));
        records = m;
        changed.push(d.student_id);
      }
      return result({ ...state, students, records }, 'applied', {
        changed,
        notes: [`${d.student_name} joined the class`],
        reconcile: changed.length && state.session ? state.session.id : undefined,
      });
    }
    default:
      return result(state, 'applied');
  }
}

/**
 * Merges a REST answer (own override/bulk/check-in, or a reconcile of a session's
 * attendance). Records of another session than the shown one are ignored, except
 * that a full attendance answer of the shown session may bring that session's
 * newer status (closed).
 */
export function mergeRest(
  state: RosterState,
  records: AttendanceRecord[],
  session?: Session,
): { state: RosterState; changed: number[] } {
  let cur = state.session;
  if (session && cur && session.id === cur.id && session.status === 'closed' && cur.status === 'open') {
    // Closed in the meantime; the live session_closed event is on its way (or was lost).
    cur = session;
  }
  const map = new Map(state.records);
  const changed = mergeInto(map, cur, records);
  if (!changed.length && cur === state.session) return { state, changed };
  const students = new Map(state.students);
  if (isStrict(state)) for (const r of map.values()) if (!students.has(r.student_id)) students.set(r.student_id, r.student_name);
  return { state: { ...state, session: cur, records: map, students }, changed };
}

/** Students in roster order (by name, then id). */
export function sortedRecords(state: RosterState): AttendanceRecord[] {
  return [...state.records.values()].sort(
    (a, b) => a.student_name.localeCompare(b.student_name) || a.student_id - b.student_id,
  );
}

export function displayCounts(state: RosterState): Counts {
  if (isStrict(state) && state.session) return countRecords(state.records.values());
  return state.counts ?? EMPTY_COUNTS;
}

export const STATUS_LABEL: Record<Status, string> = {
  present: 'Present',
  late: 'Late',
  absent: 'Absent',
  excused: 'Excused',
  unmarked: 'Not yet',
};
