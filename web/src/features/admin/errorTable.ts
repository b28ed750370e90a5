// A refused import (422 invalid_roster) as the table the page shows.

import { ROSTER_ERRORS_MAX } from '../../api/limits';
import type { RosterRefusal } from '../../types';

export interface ErrorRow {
  file: string;
  /** `line N`, or `whole file` for line 0 (a missing column, a file missing from the zip). */
  line: string;
  message: string;
}

export interface ErrorTable {
  /** In the server's order. */
  rows: ErrorRow[];
  /** What the rows do not say: that there may be more, that some could not be read. */
  notes: string[];
}

export function errorTable(refusal: RosterRefusal): ErrorTable {
  // No file: the upload as a whole (not a zip, more passwords than an online import sets).
  const rows = refusal.errors.map((e) => ({
    file: e.file === '' ? 'the zip' : e.file,
    line: e.line === 0 ? 'whole file' : `line ${e.line}`,
    message: e.message,
  }));
  const listed = refusal.errors.length + refusal.unreadable;
  const notes: string[] = [];
  if (listed >= ROSTER_ERRORS_MAX) {
    notes.push(`The server lists at most ${ROSTER_ERRORS_MAX} problems, so there may be more: fix these and import again.`);
  }
  if (refusal.unreadable > 0) {
    const one = refusal.unreadable === 1;
    notes.push(`${refusal.unreadable} more problem${one ? '' : 's'} could not be shown (this page could not read ${one ? 'it' : 'them'}).`);
  }
  if (listed === 0) notes.push('The server named no particular row.');
  return { rows, notes };
}
