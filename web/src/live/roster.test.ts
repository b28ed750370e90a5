import { describe, expect, it } from 'vitest';
import { applyFrame, displayCounts, initialState, mergeRest, type RosterState } from './roster';
import { EPOCH, SESSION, counts, ev, established, joined, rec } from './fixtures';

const roster = [rec(3), rec(4), rec(5)];

function teacher(): RosterState {
  return applyFrame(initialState(1), established(10, roster)).state;
}

function applyAll(s: RosterState, frames: ReturnType<typeof ev>[]) {
  const outcomes: string[] = [];
  for (const f of frames) {
    const r = applyFrame(s, f);
    outcomes.push(r.outcome);
    s = r.state;
  }
  return { state: s, outcomes };
}

describe('snapshot', () => {
  it('replaces the state and takes the frame seq and epoch', () => {
    const r = applyFrame(initialState(1), established(10, roster));
    expect(r.outcome).toBe('snapshot');
    expect(r.state.seq).toBe(10);
    expect(r.state.epoch).toBe(EPOCH);
    expect(r.state.role).toBe('teacher');
    expect([...r.state.records.keys()]).toEqual([3, 4, 5]);
    expect(r.state.session?.id).toBe(SESSION.id);
  });

  it('ignores events before the first frame', () => {
    expect(applyFrame(initialState(1), joined(1, rec(3, 'present'))).outcome).toBe('ignored');
  });

  it('recovered: true keeps the state (the replay follows), recovered: false reloads it', () => {
    let s = teacher();
    s = applyFrame(s, joined(11, rec(3, 'present', { timestamp: '2026-11-22T08:01:00.000Z' }))).state;
    // A resumed connection: the snapshot inside is ignored, seq stays where it was.
    const resumed = applyFrame(s, established(20, [rec(3), rec(4), rec(5)], { recovered: true }));
    expect(resumed.outcome).toBe('resumed');
    expect(resumed.state.seq).toBe(11);
    expect(resumed.state.records.get(3)?.attendance_status).toBe('present');
    // Not recovered: the fresh snapshot wins, and the feed continues from its seq.
    const fresh = applyFrame(s, established(20, [rec(3, 'absent'), rec(4), rec(5)], { epoch: 'aaaaaaaa' }));
    expect(fresh.outcome).toBe('snapshot');
    expect(fresh.state.seq).toBe(20);
    expect(fresh.state.epoch).toBe('aaaaaaaa');
    expect(fresh.state.records.get(3)?.attendance_status).toBe('absent');
    expect(fresh.changed).toEqual([3]);
  });
});

describe('applying events in seq order', () => {
  it('applies consecutive events and updates counts', () => {
    const s0 = teacher();
    const r1 = applyFrame(s0, joined(11, rec(3, 'present', { timestamp: '2026-11-22T08:01:00.000Z' })));
    expect(r1.outcome).toBe('applied');
    expect(r1.changed).toEqual([3]);
    expect(r1.notes[0]).toContain('Student 003 checked in');
    const r2 = applyFrame(
      r1.state,
      ev('attendance_state_changed', 12, { class_session_id: SESSION.id, counts: counts([rec(3, 'present'), rec(4), rec(5)]) }),
    );
    expect(r2.outcome).toBe('applied');
    expect(r2.reconcile).toBeUndefined();
    expect(r2.state.seq).toBe(12);
    expect(displayCounts(r2.state)).toMatchObject({ present: 1, unmarked: 2, total: 3 });
  });

  it('ignores duplicates (same or lower seq) without changing anything', () => {
    const s1 = applyFrame(teacher(), joined(11, rec(3, 'present', { timestamp: '2026-11-22T08:01:00.000Z' }))).state;
    const dup = applyFrame(s1, joined(11, rec(3, 'late', { timestamp: '2026-11-22T08:09:00.000Z' })));
    expect(dup.outcome).toBe('duplicate');
    expect(dup.state).toBe(s1);
    expect(applyFrame(s1, joined(5, rec(4, 'present'))).outcome).toBe('duplicate');
  });

  it('detects a gap for a teacher and applies nothing', () => {
    const s = teacher();
    const r = applyFrame(s, joined(12, rec(3, 'present')));
    expect(r.outcome).toBe('gap');
    expect(r.state).toBe(s);
    expect(r.state.seq).toBe(10);
  });

  it('accepts gaps for a student (they see only their own events)', () => {
    let s = applyFrame(initialState(1), established(10, [rec(7)], { role: 'student', userId: 7 })).state;
    const r = applyFrame(s, ev('student_joined', 14, { ...rec(7, 'present', { student_id: 7, timestamp: 'z' }), change: 'created' }));
    expect(r.outcome).toBe('applied');
    s = r.state;
    expect(s.seq).toBe(14);
    expect(s.records.get(7)?.attendance_status).toBe('present');
    expect(r.notes[0]).toContain('You checked in');
  });

  it('treats another epoch as a gap', () => {
    expect(applyFrame(teacher(), { ...joined(11, rec(3, 'present')), epoch: 'deadbeef' }).outcome).toBe('gap');
  });

  it('a pong ahead of the last seq is a gap for a teacher, not for a student', () => {
    expect(applyFrame(teacher(), ev('pong', 10, {})).outcome).toBe('pong');
    expect(applyFrame(teacher(), ev('pong', 11, {})).outcome).toBe('gap');
    const st = applyFrame(initialState(1), established(10, [rec(7)], { role: 'student', userId: 7 })).state;
    expect(applyFrame(st, ev('pong', 15, {})).outcome).toBe('pong');
  });

  it('the result does not depend on duplicates mixed into the stream', () => {
    const frames = [
      joined(11, rec(3, 'present', { timestamp: 'a1' })),
      joined(11, rec(3, 'present', { timestamp: 'a1' })),
      joined(12, rec(4, 'late', { timestamp: 'a2' })),
      ev('attendance_update', 13, { ...rec(4, 'excused', { timestamp: 'a3', is_manual_override: true, verification_method: 'teacher_override' }), change: 'updated' }),
      joined(12, rec(4, 'late', { timestamp: 'a2' })),
    ];
    const { state, outcomes } = applyAll(teacher(), frames);
    expect(outcomes).toEqual(['applied', 'duplicate', 'applied', 'applied', 'duplicate']);
    expect(state.records.get(4)?.attendance_status).toBe('excused');
    expect(state.records.get(4)?.is_manual_override).toBe(true);
    expect(state.seq).toBe(13);
  });
});

describe('session lifecycle', () => {
  it('session_opened builds an unmarked roster from the known students', () => {
    const s0 = applyFrame(initialState(1, [[3, 'Student 003'], [4, 'Student 004']]), established(5, [], { session: null })).state;
    const r = applyFrame(s0, ev('session_opened', 6, { ...SESSION, id: SESSION.id + 1 }));
    expect(r.state.session?.id).toBe(SESSION.id + 1);
    expect([...r.state.records.values()].map((x) => x.attendance_status)).toEqual(['unmarked', 'unmarked']);
    expect(r.reconcile).toBe(SESSION.id + 1);
  });

  it('session_closed marks every unmarked student absent', () => {
    const s1 = applyFrame(teacher(), joined(11, rec(3, 'present', { timestamp: 'b' }))).state;
    const closed = { ...SESSION, status: 'closed', closed_at: '2026-11-22T09:00:00.000Z' };
    const r = applyFrame(s1, ev('session_closed', 12, closed));
    expect(r.state.session?.status).toBe('closed');
    expect(r.state.records.get(3)?.attendance_status).toBe('present');
    expect(r.state.records.get(4)?.attendance_status).toBe('absent');
    expect(r.state.records.get(4)?.verification_method).toBe('session_close');
    expect(r.changed).toEqual([4, 5]);
    // A reconnect after the close (no open session): the closed roster stays shown.
    const again = applyFrame(r.state, established(13, [], { session: null, recovered: false, epoch: 'bbbbbbbb' }));
    expect(again.state.session?.id).toBe(SESSION.id);
    expect(again.state.records.get(4)?.attendance_status).toBe('absent');
    expect(again.reconcile).toBe(SESSION.id);
  });

  it('applies a bulk event to every record it carries', () => {
    const r = applyFrame(
      teacher(),
      ev('attendance_update', 11, {
        operation: 'bulk',
        updated: 2,
        records: [rec(4, 'absent', { timestamp: 'c', verification_method: 'bulk', is_manual_override: true }), rec(5, 'absent', { timestamp: 'c', verification_method: 'bulk', is_manual_override: true })],
      }),
    );
    expect(r.changed).toEqual([4, 5]);
    expect(displayCounts(r.state)).toMatchObject({ absent: 2, unmarked: 1 });
  });

  it('asks for a reconcile when the server counts disagree with the roster', () => {
    const r = applyFrame(
      teacher(),
      ev('attendance_state_changed', 11, { class_session_id: SESSION.id, counts: counts([rec(3, 'present'), rec(4), rec(5)]) }),
    );
    expect(r.reconcile).toBe(SESSION.id);
  });
});

describe('REST merges', () => {
  it('the later timestamp wins, whatever the order', () => {
    const newer = rec(3, 'excused', { timestamp: '2026-11-22T08:05:00.000Z', is_manual_override: true });
    const older = rec(3, 'present', { timestamp: '2026-11-22T08:01:00.000Z' });
    const a = mergeRest(mergeRest(teacher(), [newer]).state, [older]).state;
    const b = mergeRest(mergeRest(teacher(), [older]).state, [newer]).state;
    expect(a.records.get(3)).toEqual(newer);
    expect(b.records.get(3)).toEqual(newer);
  });

  it('ignores records of another session', () => {
    const r = mergeRest(teacher(), [rec(3, 'present', { class_session_id: 99, timestamp: 'z' })]);
    expect(r.changed).toEqual([]);
    expect(r.state.records.get(3)?.attendance_status).toBe('unmarked');
  });
});
