import { describe, expect, it } from 'vitest';
import { SESSION } from '../../live/fixtures';
import type { TodayClass } from '../../types';
import { splitToday, teacherNames } from './today';

const counts = { present: 0, late: 0, absent: 0, excused: 0, unmarked: 0, total: 0 };
const cls = (id: number, name: string, taken: boolean): TodayClass => ({
  class_id: id, class_name: name, teachers: [], session: taken ? { ...SESSION, class_id: id } : null, counts,
});

describe('splitToday', () => {
  it('puts the classes without attendance first, each group by name', () => {
    const { notTaken, taken } = splitToday([cls(1, 'B', true), cls(2, 'C', false), cls(3, 'A', true), cls(4, 'A', false)]);
    expect(notTaken.map((c) => c.class_id)).toEqual([4, 2]);
    expect(taken.map((c) => c.class_id)).toEqual([3, 1]);
  });
});

describe('teacherNames', () => {
  it('lists the teachers, or says there is none', () => {
    expect(teacherNames({ ...cls(1, 'A', false), teachers: [{ id: 2, name: 'Ann Lee' }, { id: 3, name: 'Bo Chen' }] })).toBe('Ann Lee, Bo Chen');
    expect(teacherNames(cls(1, 'A', false))).toBe('no teacher');
  });
});
