import { describe, expect, it } from 'vitest';
import type { Session } from '../../types';
import { checkedInText, lateCountdownText } from './projectorText';

const session: Session = {
  id: 1, class_id: 1, class_name: 'Class 1', status: 'open',
  starts_at: '2026-12-08T08:00:00.000Z', closed_at: null, late_after_minutes: 5,
};
const at = (iso: string) => Date.parse(iso);

describe('checkedInText', () => {
  it('counts present and late students out of the class', () => {
    expect(checkedInText({ present: 15, late: 3, absent: 1, excused: 1, unmarked: 10, total: 30 })).toBe('18/30 checked in');
  });
  it('says nothing before the counts are known', () => {
    expect(checkedInText(null)).toBe('');
  });
});

describe('lateCountdownText', () => {
  it('counts down minutes and seconds to the cut-off', () => {
    expect(lateCountdownText(session, at('2026-12-08T08:00:00.000Z'))).toBe('Late in 5:00');
    expect(lateCountdownText(session, at('2026-12-08T08:03:55.500Z'))).toBe('Late in 1:05');
    expect(lateCountdownText(session, at('2026-12-08T08:04:59.900Z'))).toBe('Late in 0:01');
  });
  it('says arrivals are late from the cut-off on', () => {
    expect(lateCountdownText(session, at('2026-12-08T08:05:00.000Z'))).toBe('Arrivals now count as late');
    expect(lateCountdownText(session, at('2026-12-08T09:00:00.000Z'))).toBe('Arrivals now count as late');
  });
  it('is late at once with a zero threshold', () => {
    expect(lateCountdownText({ ...session, late_after_minutes: 0 }, at('2026-12-08T08:00:00.000Z'))).toBe('Arrivals now count as late');
  });
  it('says nothing for a start time it cannot read', () => {
    expect(lateCountdownText({ ...session, starts_at: 'garbage' }, 0)).toBe('');
  });
});
