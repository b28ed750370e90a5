// A successful import's counts in plain words.

import type { RosterImportResult } from '../../types';

export function importSummary(r: RosterImportResult): string[] {
  const changed = r.users_added + r.users_updated + r.classes_added + r.classes_updated + r.enrollments_added;
  if (changed === 0 && r.initial_passwords.length === 0) return ['Nothing changed: everything in the file was already there.'];
  const lines = [
    `Users: ${r.users_added} added, ${r.users_updated} updated.`,
    `Classes: ${r.classes_added} added, ${r.classes_updated} updated.`,
    `Enrollments: ${r.enrollments_added} added.`,
  ];
  const n = r.initial_passwords.length;
  if (n > 0) {
    lines.push(`${n} new user${n === 1 ? '' : 's'} had no password in the file and got one from the server (below).`);
  }
  return lines;
}
