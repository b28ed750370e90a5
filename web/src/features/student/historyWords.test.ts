import { describe, expect, it } from 'vitest';
import { rec } from '../../live/fixtures';
import { historyStatusText } from './historyWords';

describe('historyStatusText', () => {
  it('names each status in words', () => {
    expect(historyStatusText(rec(3, 'present'))).toBe('Present');
    expect(historyStatusText(rec(3, 'absent'))).toBe('Absent');
    expect(historyStatusText(rec(3, 'unmarked'))).toBe('Not checked in yet');
  });
  it('says how late', () => {
    expect(historyStatusText({ ...rec(3, 'late'), late_minutes: 12 })).toBe('Late (12 min)');
  });
  it('gives the teacher reason of a correction', () => {
    expect(historyStatusText({ ...rec(3, 'excused'), is_manual_override: true, override_reason: 'doctor' })).toBe('Excused (doctor)');
  });
});
