// The admin's "today" view: which classes have not taken attendance yet.

import type { TodayClass } from '../../types';

/** Classes without a session today first (they need someone's attention), then the others; by name within each. */
export function splitToday(classes: TodayClass[]): { notTaken: TodayClass[]; taken: TodayClass[] } {
  const byName = (a: TodayClass, b: TodayClass) => a.class_name.localeCompare(b.class_name) || a.class_id - b.class_id;
  return {
    notTaken: classes.filter((c) => c.session === null).sort(byName),
    taken: classes.filter((c) => c.session !== null).sort(byName),
  };
}

/** "Ann Lee, Bo Chen", or "no teacher". */
export function teacherNames(c: TodayClass): string {
  return c.teachers.length ? c.teachers.map((t) => t.name).join(', ') : 'no teacher';
}
