import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, signedIn, stubFetch } from '../../api/testing';
import { kindsFor, PREFERENCE_LABEL, savePreference } from './preferences';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('kindsFor: only the notifications that fit the role', () => {
  it('students: a session opening and their status changing; teachers and admins: the missing digest', () => {
    expect(kindsFor('student')).toEqual(['session_opened', 'status_changed']);
    expect(kindsFor('teacher')).toEqual(['missing_digest']);
    expect(kindsFor('admin')).toEqual(['missing_digest']);
    for (const k of [...kindsFor('student'), ...kindsFor('teacher')]) expect(PREFERENCE_LABEL[k]).toBeTruthy();
  });
});

describe('savePreference', () => {
  const prefs = { session_opened: true, status_changed: true, missing_digest: true };

  it('PUTs the preferences with one kind changed and answers what the server stored', async () => {
    signedIn('student', 3);
    // The server ignores a kind that does not fit the role: its answer wins.
    const stored = { session_opened: true, status_changed: false, missing_digest: true };
    const calls = stubFetch(json(200, stored));
    expect(await savePreference(prefs, 'status_changed', false)).toEqual(stored);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'PUT', url: '/api/v1/push/preferences' });
    expect(JSON.parse(calls[0].body!)).toEqual({ session_opened: true, status_changed: false, missing_digest: true });
  });

  it('rejects with the ApiError when the server refuses or cannot be reached', async () => {
    signedIn('teacher', 2);
    stubFetch(new TypeError('Failed to fetch'));
    await expect(savePreference(prefs, 'missing_digest', false)).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });
});
