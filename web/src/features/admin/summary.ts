// A successful import's counts in plain words.

import type { RosterImportResult } from '../../types';

/** `", 2 disabled"` for an optional count that is there and not 0. */
function extra(n: number | undefined, what: string): string {
  return n ? `, ${n} ${what}` : '';
}

export function importSummary(r: RosterImportResult): string[] {
  const changed = r.users_added + r.users_updated + (r.users_disabled ?? 0) + r.classes_added + r.classes_updated + r.enrollments_added;
  if (changed === 0 && r.initial_passwords.length === 0) return ['Nothing changed: everything in the file was already there.'];
  const lines = [
    `Users: ${r.users_added} added, ${r.users_updated} updated${extra(r.users_disabled, 'disabled')}${extra(r.users_skipped, 'skipped')}.`,
    `Classes: ${r.classes_added} added, ${r.classes_updated} updated${extra(r.classes_skipped, 'skipped')}.`,
    `Enrollments: ${r.enrollments_added} added${extra(r.enrollments_kept, 'already there')}${extra(r.enrollments_skipped, 'skipped')}.`,
  ];
  if (r.users_skipped || r.classes_skipped || r.enrollments_skipped) {
    lines.push(
      'Skipped rows are left out by design: roles other than student, teacher and administrator, rows whose status is tobedeleted, ' +
        'new users whose enabledUser is false, and their enrollments.',
    );
  }
  const n = r.initial_passwords.length;
  if (n > 0) {
    lines.push(`${n} new user${n === 1 ? '' : 's'} had no password in the file and got one from the server (below).`);
  }
  return lines;
}
