// A result handed from one page to the next (the QR link page to the class page).
import type { CheckInResult } from './checkin';

const results = new Map<number, CheckInResult>();

export function putResult(classId: number, r: CheckInResult): void {
  results.set(classId, r);
}

export function takeResult(classId: number): CheckInResult | undefined {
  const r = results.get(classId);
  results.delete(classId);
  return r;
}
