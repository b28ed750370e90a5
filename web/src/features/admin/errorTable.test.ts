import { describe, expect, it } from 'vitest';
import { ROSTER_ERRORS_MAX } from '../../api/limits';
import type { RosterError } from '../../types';
import { errorTable } from './errorTable';

const e = (file: string, line: number, message = `m${line}`): RosterError => ({ file, line, message });

describe('errorTable: the rows of a refused import', () => {
  it('keeps the order given, and says "whole file" for line 0', () => {
    const t = errorTable({ errors: [e('users.csv', 7, 'bad role'), e('enrollments.csv', 0, 'missing column role'), e('users.csv', 3, 'dup')], unreadable: 0 });
    expect(t.rows).toEqual([
      { file: 'users.csv', line: 'line 7', message: 'bad role' },
      { file: 'enrollments.csv', line: 'whole file', message: 'missing column role' },
      { file: 'users.csv', line: 'line 3', message: 'dup' },
    ]);
    expect(t.notes).toEqual([]);
  });

  it('names the upload as a whole for a problem without a file (not a zip, too many passwords)', () => {
    expect(errorTable({ errors: [e('', 0, 'not a zip file')], unreadable: 0 }).rows).toEqual([{ file: 'the zip', line: 'whole file', message: 'not a zip file' }]);
  });

  it('says there may be more when the server sent its maximum', () => {
    expect(ROSTER_ERRORS_MAX).toBe(100);
    const full = errorTable({ errors: Array.from({ length: ROSTER_ERRORS_MAX }, (_, i) => e('users.csv', i + 2)), unreadable: 0 });
    expect(full.rows).toHaveLength(100);
    expect(full.notes).toEqual(['The server lists at most 100 problems, so there may be more: fix these and import again.']);
    const fewer = errorTable({ errors: Array.from({ length: ROSTER_ERRORS_MAX - 1 }, (_, i) => e('users.csv', i + 2)), unreadable: 0 });
    expect(fewer.notes).toEqual([]);
  });

  it('counts what could not be shown toward the maximum, and says so', () => {
    const t = errorTable({ errors: Array.from({ length: 98 }, (_, i) => e('users.csv', i + 2)), unreadable: 2 });
    expect(t.notes).toEqual([
      'The server lists at most 100 problems, so there may be more: fix these and import again.',
      '2 more problems could not be shown (this page could not read them).',
    ]);
    expect(errorTable({ errors: [], unreadable: 1 }).notes).toEqual(['1 more problem could not be shown (this page could not read it).']);
  });

  it('says when the server named no problem at all', () => {
    expect(errorTable({ errors: [], unreadable: 0 }).notes).toEqual(['The server named no particular row.']);
  });
});
