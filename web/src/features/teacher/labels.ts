// Words the teacher's page uses for the contract's enums.

import type { Method, Status } from '../../types';

const METHOD_LABEL: Record<string, string> = {
  qr_code: 'QR code',
  verification_code: 'Code',
  teacher_override: 'Teacher',
  bulk: 'Bulk',
  session_close: 'Session close',
};

/** How a record got its status; '' for none (unmarked). */
export function methodLabel(m: Method | string | null): string {
  return m ? METHOD_LABEL[m] ?? m : '';
}

/** The statuses a teacher may set (override and bulk). */
export const SETTABLE: Status[] = ['present', 'late', 'absent', 'excused'];
