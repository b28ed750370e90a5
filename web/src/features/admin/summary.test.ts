import { describe, expect, it } from 'vitest';
import type { RosterImportResult } from '../../types';
import { importSummary } from './summary';

const r = (over: Partial<RosterImportResult> = {}): RosterImportResult => ({
  users_added: 0,
  users_updated: 0,
  classes_added: 0,
  classes_updated: 0,
  enrollments_added: 0,
  initial_passwords: [],
  ...over,
});

describe('importSummary: the counts in plain words', () => {
  it('words each count, singular and plural', () => {
    expect(importSummary(r({ users_added: 3, users_updated: 1, classes_added: 1, classes_updated: 2, enrollments_added: 12 }))).toEqual([
      'Users: 3 added, 1 updated.',
      'Classes: 1 added, 2 updated.',
      'Enrollments: 12 added.',
    ]);
    expect(importSummary(r({ users_added: 1, enrollments_added: 1 }))).toEqual(['Users: 1 added, 0 updated.', 'Classes: 0 added, 0 updated.', 'Enrollments: 1 added.']);
  });

  it('adds the optional counts when the server sends them and they are not 0, and says what skipped means', () => {
    expect(
      importSummary(r({ users_added: 1, users_disabled: 2, users_skipped: 3, classes_skipped: 0, enrollments_added: 4, enrollments_kept: 5, enrollments_skipped: 6 })),
    ).toEqual([
      'Users: 1 added, 0 updated, 2 disabled, 3 skipped.',
      'Classes: 0 added, 0 updated.',
      'Enrollments: 4 added, 5 already there, 6 skipped.',
      'Skipped rows are left out by design: roles other than student, teacher and administrator, rows whose status is tobedeleted, new users whose enabledUser is false, and their enrollments.',
    ]);
    // Disabling users is a change.
    expect(importSummary(r({ users_disabled: 1 }))[0]).toBe('Users: 0 added, 0 updated, 1 disabled.');
  });

  it('says when nothing changed (the same export imported again)', () => {
    expect(importSummary(r())).toEqual(['Nothing changed: everything in the file was already there.']);
    expect(importSummary(r({ enrollments_kept: 12, users_skipped: 1 }))).toEqual(['Nothing changed: everything in the file was already there.']);
  });

  it('says how many new users got a password from the server', () => {
    const lines = importSummary(r({ users_added: 2, initial_passwords: [{ username: 'a', password: 'x' }] }));
    expect(lines[lines.length - 1]).toBe('1 new user had no password in the file and got one from the server (below).');
    const two = importSummary(r({ users_added: 2, initial_passwords: [{ username: 'a', password: 'x' }, { username: 'b', password: 'y' }] }));
    expect(two[two.length - 1]).toBe('2 new users had no password in the file and got one from the server (below).');
  });
});
