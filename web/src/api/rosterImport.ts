// The answers of `POST /api/v1/admin/oneroster` (API.md §7), read defensively:
// the page shows counts and passwords an administrator acts on, so an answer of
// another shape is an error, never a silently wrong or shortened table.

import { ClientError } from '../errors';
import type { InitialPassword, RosterError, RosterImportResult, RosterRefusal } from '../types';

type Fields = Record<string, unknown>;

function isObject(x: unknown): x is Fields {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isInitialPassword(x: unknown): x is InitialPassword {
  return isObject(x) && typeof x.username === 'string' && typeof x.password === 'string';
}

function isRosterError(x: unknown): x is RosterError {
  return isObject(x) && typeof x.file === 'string' && isCount(x.line) && typeof x.message === 'string';
}

/** Counts the answer may carry besides the five of API.md §7; they only inform. */
const OPTIONAL_COUNTS = ['users_disabled', 'users_skipped', 'classes_skipped', 'enrollments_kept', 'enrollments_skipped'] as const;

/**
 * The `200` answer: the five counts (non-negative integers) and `initial_passwords`
 * (absent: none). The optional counts are kept when they are counts and left out
 * otherwise; fields it does not know are ignored. Anything else throws
 * ClientError `unreadable_import_answer`: the import did happen, but a password
 * the page cannot show must not disappear without a word.
 */
export function parseImportResult(answer: unknown): RosterImportResult {
  if (!isObject(answer)) throw unreadable('not an object');
  const pw = answer.initial_passwords ?? [];
  if (!Array.isArray(pw) || !pw.every(isInitialPassword)) throw unreadable('initial_passwords is not a list of {username, password}');
  const result: RosterImportResult = {
    users_added: count(answer, 'users_added'),
    users_updated: count(answer, 'users_updated'),
    classes_added: count(answer, 'classes_added'),
    classes_updated: count(answer, 'classes_updated'),
    enrollments_added: count(answer, 'enrollments_added'),
    initial_passwords: pw.map((p) => ({ username: p.username, password: p.password })),
  };
  for (const k of OPTIONAL_COUNTS) {
    const v = answer[k];
    if (isCount(v)) result[k] = v;
  }
  return result;
}

function unreadable(why: string): ClientError {
  return new ClientError('unreadable_import_answer', why);
}

function count(answer: Fields, key: keyof RosterImportResult): number {
  const v = answer[key];
  if (!isCount(v)) throw unreadable(`${key} is not a count`);
  return v;
}

/**
 * The body of `422 invalid_roster`: its `errors` as given (order kept), each
 * `{file, line, message}` with `line` ≥ 0; entries of another shape are counted in
 * `unreadable`, not shown with made-up values. No list at all: no rows.
 */
export function parseRosterRefusal(body: unknown): RosterRefusal {
  const list = isObject(body) && Array.isArray(body.errors) ? body.errors : [];
  const errors = list.filter(isRosterError).map((e) => ({ file: e.file, line: e.line, message: e.message }));
  return { errors, unreadable: list.length - errors.length };
}
