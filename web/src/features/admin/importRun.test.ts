import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearAuth, saveLogin } from '../../auth';
import { json, signedIn, stubFetch } from '../../api/testing';
import { ROSTER_ZIP_MAX_BYTES } from '../../api/limits';
import { currentImport, markPasswordsSaved, resetImport, startImport, subscribeImport } from './importRun';

const counts = { users_added: 2, users_updated: 0, classes_added: 1, classes_updated: 0, enrollments_added: 2 };
const passwords = [{ username: 'zoe', password: 'AB3DEFGH2JKL' }];
const zip = (size = 22, name = 'roster.zip') => new File([new Uint8Array(size)], name, { type: 'application/x-zip-compressed' });

/** A fetch that answers only when the test says so. */
function heldFetch(): { calls: number; answer: (r: Response) => void } {
  let release: (r: Response) => void = () => {};
  const held = { calls: 0, answer: (r: Response) => release(r) };
  vi.stubGlobal(
    'fetch',
    vi.fn(() => {
      held.calls += 1;
      return new Promise<Response>((res) => (release = res));
    }),
  );
  return held;
}

beforeEach(() => {
  signedIn('admin', 1);
  resetImport();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('startImport', () => {
  it('sends one import at a time: a second click while one runs sends nothing', async () => {
    const held = heldFetch();
    const first = startImport(zip());
    expect(currentImport()).toMatchObject({ phase: 'sending', fileName: 'roster.zip' });
    expect(await startImport(zip())).toBe(false);
    held.answer(json(200, { ...counts, initial_passwords: [] }));
    expect(await first).toBe(true);
    expect(held.calls).toBe(1);
    expect(currentImport()).toMatchObject({ phase: 'imported', result: { ...counts, initial_passwords: [] } });
  });

  it('refuses a file over the limit without sending it', async () => {
    const calls = stubFetch();
    expect(await startImport(zip(ROSTER_ZIP_MAX_BYTES + 1, 'huge.zip'))).toBe(false);
    expect(calls).toHaveLength(0);
    expect(currentImport()).toMatchObject({ phase: 'invalid', fileName: 'huge.zip' });
    expect(currentImport().phase === 'invalid' && currentImport()).toHaveProperty('message', expect.stringContaining('at most 64 MiB'));
  });

  it('keeps a refusal (422) with its rows, and words every other failure with the error helper', async () => {
    const errors = [{ file: 'enrollments.csv', line: 3, message: "no class with sourcedId 'c-9'" }];
    stubFetch(
      json(422, { error: { code: 'invalid_roster', message: 'refused' }, errors }),
      json(409, { error: { code: 'import_in_progress', message: 'busy' } }),
    );
    await startImport(zip());
    expect(currentImport()).toMatchObject({ phase: 'refused', refusal: { errors, unreadable: 0 } });
    await startImport(zip());
    expect(currentImport()).toEqual({ phase: 'failed', fileName: 'roster.zip', message: 'Another roster import is running. Wait for it to finish, then import again.' });
  });

  it('tells listeners of every change', async () => {
    stubFetch(json(200, counts));
    const seen: string[] = [];
    const off = subscribeImport((s) => seen.push(s.phase));
    await startImport(zip());
    off();
    expect(seen).toEqual(['sending', 'imported']);
  });
});

describe('the initial passwords never outlive the sign-in', () => {
  it('forgets the result when the admin signs out, but not on a token refresh', async () => {
    stubFetch(json(200, { ...counts, initial_passwords: passwords }));
    await startImport(zip());
    expect(currentImport()).toMatchObject({ phase: 'imported', passwordsSaved: false });
    markPasswordsSaved();
    expect(currentImport()).toMatchObject({ phase: 'imported', passwordsSaved: true });
    saveLogin({ access_token: 'fresh', token_type: 'bearer', expires_in: 3600, user: { id: 1, username: 'u1', name: 'User 1', role: 'admin' } });
    expect(currentImport().phase).toBe('imported');
    clearAuth();
    expect(currentImport()).toEqual({ phase: 'idle' });
  });

  it('drops an answer that arrives after the admin signed out', async () => {
    const held = heldFetch();
    const run = startImport(zip());
    clearAuth();
    held.answer(json(200, { ...counts, initial_passwords: passwords }));
    await run;
    expect(currentImport()).toEqual({ phase: 'idle' });
  });

  it('forgets the result when someone else signs in', async () => {
    stubFetch(json(200, { ...counts, initial_passwords: passwords }));
    await startImport(zip());
    saveLogin({ access_token: 'other', token_type: 'bearer', expires_in: 3600, user: { id: 7, username: 'u7', name: 'User 7', role: 'admin' } });
    expect(currentImport()).toEqual({ phase: 'idle' });
  });
});
