import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearAuth, loadAuth, saveLogin, signOutNotice } from './auth';
import { signedIn } from './api/testing';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('sign-out notice', () => {
  it('is kept until the next sign-in, and a later plain 401 does not erase it', () => {
    signedIn('teacher', 2);
    expect(signOutNotice()).toBeNull();
    clearAuth('Your sign-in has ended.');
    expect(loadAuth()).toBeNull();
    expect(signOutNotice()).toBe('Your sign-in has ended.');
    clearAuth(); // a request in flight answered 401 after the app signed out
    expect(signOutNotice()).toBe('Your sign-in has ended.');
    saveLogin({ access_token: 't', token_type: 'bearer', expires_in: 3600, user: { id: 2, username: 'u2', name: 'U', role: 'teacher' } });
    expect(signOutNotice()).toBeNull();
  });

  it('a sign-out by the user shows no notice', () => {
    signedIn('teacher', 2);
    clearAuth('Your sign-in has ended.');
    saveLogin({ access_token: 't', token_type: 'bearer', expires_in: 3600, user: { id: 2, username: 'u2', name: 'U', role: 'teacher' } });
    clearAuth();
    expect(signOutNotice()).toBeNull();
  });
});
