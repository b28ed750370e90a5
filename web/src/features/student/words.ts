// What a check-in or a sync answer means for the student, in words.

import { errorMessage } from '../../errors';
import type { FlushedOp, QueuedOp } from '../../offline/queue';
import type { AttendanceRecord } from '../../types';
import { fmtTime } from '../../ui/format';

/** What a check-in came to: done online, saved for later, or refused. */
export type CheckInResult =
  | { kind: 'ok'; created: boolean; record: AttendanceRecord; text: string }
  | { kind: 'queued'; op: QueuedOp; text: string }
  | { kind: 'error'; code: string; text: string; /** Codes refused until then (ms since the epoch). */ until?: number };

/** Why codes cannot be typed for now, and what still works. */
export function lockoutText(until: number): string {
  return `Too many wrong codes. You can type a code again at ${fmtTime(new Date(until).toISOString())}. Scanning the QR code still works, or ask your teacher to mark you.`;
}

export function statusText(r: AttendanceRecord): string {
  switch (r.attendance_status) {
    case 'late':
      return `late ${r.late_minutes} min`;
    case 'unmarked':
      return 'not checked in yet';
    default:
      return r.attendance_status;
  }
}

/** What a check-in answer means for the student, in words. */
export function describeCheckIn(record: AttendanceRecord, created: boolean): string {
  if (record.is_manual_override) {
    const why = record.override_reason ? ` (${record.override_reason})` : '';
    return `Your teacher marked you ${statusText(record)}${why}.`;
  }
  if (created) {
    return record.attendance_status === 'late'
      ? `Checked in: late ${record.late_minutes} min.`
      : `Checked in: ${statusText(record)}.`;
  }
  const at = record.check_in_time ? ` at ${fmtTime(record.check_in_time)}` : '';
  return `Already checked in${at}: ${statusText(record)}.`;
}

export function describeSync(f: FlushedOp): { text: string; ok: boolean } {
  const r = f.result;
  const when = fmtTime(f.op.client_time);
  switch (r.outcome) {
    case 'applied':
      return {
        ok: true,
        text: r.record
          ? r.record.is_manual_override
            ? `Offline check-in from ${when} sent. ${describeCheckIn(r.record, false)}`
            : `Offline check-in from ${when} sent: ${statusText(r.record)}.`
          : `Offline check-in from ${when} sent.`,
      };
    case 'duplicate':
      return {
        ok: true,
        text: `Offline check-in from ${when} was already received${r.record ? `: ${statusText(r.record)}` : ''}.`,
      };
    case 'superseded':
      return {
        ok: true,
        text: r.record
          ? `Offline check-in from ${when} was not needed. ${describeCheckIn(r.record, false)}`
          : `Offline check-in from ${when} was not needed.`,
      };
    default:
      return {
        ok: false,
        text: `Offline check-in from ${when} was refused: ${errorMessage(r.error?.code ?? 'unknown', 'check-in', r.error?.message)}`,
      };
  }
}

export type Tone = 'ok' | 'warn' | 'error';

/** A check-in result as the page shows it: the words and their tone. */
export function toView(r: CheckInResult): { text: string; tone: Tone } {
  if (r.kind === 'ok') return { text: r.text, tone: r.record.is_manual_override || !r.created ? 'warn' : 'ok' };
  if (r.kind === 'queued') return { text: r.text, tone: 'warn' };
  return { text: r.text, tone: 'error' };
}
