import { describe, expect, it } from 'vitest';
import { rec } from '../../live/fixtures';
import { describeCheckIn, describeSync, toView } from './words';

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

  it('gives a result its tone', () => {
    expect(toView({ kind: 'ok', created: true, record: rec(3, 'present'), text: 't' })).toEqual({ text: 't', tone: 'ok' });
    expect(toView({ kind: 'ok', created: false, record: rec(3, 'present'), text: 't' }).tone).toBe('warn');
    expect(toView({ kind: 'error', code: 'x', text: 'e' }).tone).toBe('error');
  });
});
