// What the projector says besides the code: how many have checked in, and how
// long until arrivals count as late (API.md §4: late when strictly more than
// `late_after_minutes` have passed since `starts_at`).

import type { Counts, Session } from '../../types';

/** "18/30 checked in": present and late students out of everyone enrolled. */
export function checkedInText(counts: Counts | null): string {
  if (!counts) return '';
  return `${counts.present + counts.late}/${counts.total} checked in`;
}

/** When arrivals start to count as late, in ms since the epoch (NaN for a bad `starts_at`). */
export function lateCutoffMs(session: Session): number {
  return Date.parse(session.starts_at) + session.late_after_minutes * 60_000;
}

/** "Late in 4:05" before the cut-off, "Arrivals now count as late" after it. */
export function lateCountdownText(session: Session, nowMs: number): string {
  const cutoff = lateCutoffMs(session);
  if (!Number.isFinite(cutoff)) return '';
  const left_s = Math.ceil((cutoff - nowMs) / 1000);
  if (left_s <= 0) return 'Arrivals now count as late';
  const m = Math.floor(left_s / 60);
  const s = left_s % 60;
  return `Late in ${m}:${String(s).padStart(2, '0')}`;
}
