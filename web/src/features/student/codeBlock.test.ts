import { describe, expect, it } from 'vitest';
import { rec } from '../../live/fixtures';
import type { Session } from '../../types';
import { codeBlock } from './codeBlock';

const open: Session = {
  id: 7, class_id: 1, class_name: 'Class 1', status: 'open', starts_at: '2026-12-08T09:00:00.000Z',
  closed_at: null, late_after_minutes: 5,
} as Session;
const closed: Session = { ...open, status: 'closed', closed_at: '2026-12-08T09:50:00.000Z' };

describe('codeBlock', () => {
  it('keeps the box open while the session is open and the student has not checked in', () => {
    expect(codeBlock({ known: true, session: open, mine: rec(3, 'unmarked'), lockedUntil: null })).toBe(null);
    // Marked absent by "mark remaining": a check-in still turns that into late.
    expect(codeBlock({ known: true, session: open, mine: rec(3, 'absent'), lockedUntil: null })).toBe(null);
  });

  it('keeps it open before anything is known (offline: the code is saved for later)', () => {
    expect(codeBlock({ known: false, session: null, mine: undefined, lockedUntil: null })).toBe(null);
  });

  it('closes it with a reason: checked in, set by the teacher, no session, closed, too many wrong codes', () => {
    expect(codeBlock({ known: true, session: open, mine: rec(3, 'present'), lockedUntil: null })).toBe(
      'You are checked in (present). No code needed.',
    );
    expect(codeBlock({ known: true, session: open, mine: rec(3, 'excused', { is_manual_override: true }), lockedUntil: null })).toBe(
      'Your teacher marked you excused. No code needed.',
    );
    expect(codeBlock({ known: true, session: null, mine: undefined, lockedUntil: null })).toMatch(/^No session is open/);
    expect(codeBlock({ known: true, session: closed, mine: rec(3, 'unmarked'), lockedUntil: null })).toBe(
      'This session is closed: check-in is over.',
    );
    expect(codeBlock({ known: true, session: open, mine: rec(3, 'unmarked'), lockedUntil: Date.parse('2026-12-08T09:10:00Z') })).toMatch(
      /^Too many wrong codes\. You can type a code again at .*\. Scanning the QR code still works/,
    );
  });
});
