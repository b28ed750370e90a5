import { describe, expect, it } from 'vitest';
import { errorMessage } from './errors';
import { rec } from './live/fixtures';
import { classOfQrToken, describeCheckIn, describeSync } from './student';

describe('check-in words', () => {
  it('describes present, late, already checked in and overridden', () => {
    expect(describeCheckIn(rec(3, 'present'), true)).toBe('Checked in: present.');
    expect(describeCheckIn(rec(3, 'late'), true)).toBe('Checked in: late 7 min.');
    expect(describeCheckIn(rec(3, 'present'), false)).toMatch(/^Already checked in at .*: present\.$/);
    expect(describeCheckIn(rec(3, 'excused', { is_manual_override: true, override_reason: 'doctor' }), false)).toBe(
      'Your teacher marked you excused (doctor).',
    );
  });

  it('describes sync outcomes', () => {
    const op = { op_id: 'a', kind: 'check_in' as const, method: 'verification_code' as const, class_id: 1, code: '1', client_time: '2026-11-22T08:01:00.000Z', user_id: 3 };
    expect(describeSync({ op, result: { op_id: 'a', outcome: 'applied', record: rec(3, 'present') } })).toMatchObject({ ok: true });
    expect(describeSync({ op, result: { op_id: 'a', outcome: 'applied', record: rec(3, 'present') } }).text).toContain('sent: present');
    const rej = describeSync({ op, result: { op_id: 'a', outcome: 'rejected', error: { code: 'session_closed', message: 'closed' } } });
    expect(rej.ok).toBe(false);
    expect(rej.text).toContain('session is closed');
  });

  it('has words for every error code of the API', () => {
    for (const code of [
      'invalid_credentials', 'unauthorized', 'forbidden', 'not_enrolled', 'no_open_session', 'session_closed',
      'invalid_code', 'too_many_attempts', 'session_already_open', 'session_already_closed', 'session_not_found',
      'class_not_found', 'student_not_found', 'unknown_student', 'duplicate_student', 'invalid_field', 'invalid_json',
      'invalid_join_code', 'invalid_client_time', 'overloaded', 'storage_unavailable', 'too_many_sessions',
      'qr_render_failed', 'duplicate_op_id', 'too_many_ops', 'network_error',
    ]) {
      expect(errorMessage(code, 'general')).not.toMatch(/Unexpected error/);
    }
    expect(errorMessage('too_many_attempts', 'login')).toContain('sign-ins');
    expect(errorMessage('too_many_attempts', 'check-in')).toContain('wrong codes');
  });
});

describe('classOfQrToken', () => {
  // A real token of session 1048577 (class 1, session 1).
  const token = 'AQAAAAAAEAABAAAAAAcjeUUuRidbqeL17qodQS_GvPSP';
  it('reads the class from the session id when it is a known class', () => {
    expect(classOfQrToken(token, [1, 2])).toBe(1);
    expect(classOfQrToken(token, [2, 3])).toBe(null);
    expect(classOfQrToken('garbage', [5])).toBe(5);
    expect(classOfQrToken('garbage', [5, 6])).toBe(null);
  });
});
