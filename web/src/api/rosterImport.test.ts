import { describe, expect, it } from 'vitest';
import { ClientError } from '../errors';
import { parseImportResult, parseRosterRefusal } from './rosterImport';

const counts = { users_added: 3, users_updated: 1, classes_added: 1, classes_updated: 0, enrollments_added: 4 };

describe('parseImportResult: the 200 answer of POST /admin/oneroster', () => {
  it('reads the counts and the initial passwords, in order', () => {
    const pw = [
      { username: 'zoe', password: 'AB3DEFGH2JKL' },
      { username: 'adam', password: 'MNPQRSTU4VWX' },
    ];
    expect(parseImportResult({ ...counts, initial_passwords: pw })).toEqual({ ...counts, initial_passwords: pw });
  });

  it('takes a missing initial_passwords as none, and ignores fields it does not know', () => {
    expect(parseImportResult({ ...counts, surprise: 2 })).toEqual({ ...counts, initial_passwords: [] });
  });

  it('reads the optional counts (disabled, skipped, enrollments already there) when they are counts', () => {
    const extra = { users_disabled: 2, users_skipped: 1, classes_skipped: 0, enrollments_kept: 5, enrollments_skipped: 3 };
    expect(parseImportResult({ ...counts, ...extra })).toEqual({ ...counts, ...extra, initial_passwords: [] });
    // They only inform: one of another shape is left out, not a reason to hide the result.
    expect(parseImportResult({ ...counts, users_disabled: 'two', enrollments_kept: -1 })).toEqual({ ...counts, initial_passwords: [] });
  });

  it.each([
    ['not an object', 'ok'],
    ['null', null],
    ['a count missing', { ...counts, classes_added: undefined }],
    ['a count as a string', { ...counts, users_added: '3' }],
    ['a negative count', { ...counts, enrollments_added: -1 }],
    ['a fractional count', { ...counts, users_updated: 1.5 }],
    ['initial_passwords not a list', { ...counts, initial_passwords: { zoe: 'x' } }],
    // A password the page cannot show must not vanish silently: the whole answer is unreadable.
    ['a password entry without its password', { ...counts, initial_passwords: [{ username: 'zoe' }] }],
    ['a password that is not text', { ...counts, initial_passwords: [{ username: 'zoe', password: 7 }] }],
  ])('refuses an answer with %s', (_what, answer) => {
    expect(() => parseImportResult(answer)).toThrow(ClientError);
    try {
      parseImportResult(answer);
    } catch (e) {
      expect((e as ClientError).code).toBe('unreadable_import_answer');
    }
  });
});

describe('parseRosterRefusal: the body of 422 invalid_roster', () => {
  it('keeps the errors in the order the server gave them', () => {
    const errors = [
      { file: 'users.csv', line: 9, message: 'duplicate sourcedId u-1' },
      { file: 'enrollments.csv', line: 0, message: 'missing column role' },
      { file: 'users.csv', line: 4, message: "username 'a b' has a space" },
    ];
    expect(parseRosterRefusal({ error: { code: 'invalid_roster', message: 'refused' }, errors })).toEqual({ errors, unreadable: 0 });
  });

  it('counts the entries it cannot read instead of showing them wrongly', () => {
    const good = { file: 'classes.csv', line: 2, message: 'title too long' };
    const body = { errors: [good, { file: 'users.csv', line: -1, message: 'x' }, { file: 'users.csv', message: 'no line' }, 'text'] };
    expect(parseRosterRefusal(body)).toEqual({ errors: [good], unreadable: 3 });
  });

  it('answers no rows when the body has no error list', () => {
    expect(parseRosterRefusal({ error: { code: 'invalid_roster', message: 'refused' } })).toEqual({ errors: [], unreadable: 0 });
    expect(parseRosterRefusal(undefined)).toEqual({ errors: [], unreadable: 0 });
    expect(parseRosterRefusal({ errors: 'many' })).toEqual({ errors: [], unreadable: 0 });
  });
});
