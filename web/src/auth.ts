// The signed-in user: the JWT and its expiry, kept in localStorage so every tab
// (and a reopened tab) shares one sign-in.

import type { LoginResponse, User } from './types';

export interface Auth {
  token: string;
  /** ms since the epoch */
  expiresAt: number;
  user: User;
}

const KEY = 'rollcall.auth';
/** Why the last sign-out happened, when the app (not the user) did it. */
const NOTICE_KEY = 'rollcall.signout_notice';
type Listener = (a: Auth | null) => void;
const listeners = new Set<Listener>();

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export function loadAuth(now = Date.now()): Auth | null {
  const raw = storage()?.getItem(KEY);
  if (!raw) return null;
  try {
    const a = JSON.parse(raw) as Auth;
    if (!a.token || typeof a.expiresAt !== 'number' || a.expiresAt <= now + 5_000) return null;
    return a;
  } catch {
    return null;
  }
}

export function saveLogin(res: LoginResponse, now = Date.now()): Auth {
  const a: Auth = { token: res.access_token, expiresAt: now + res.expires_in * 1000, user: res.user };
  storage()?.removeItem(NOTICE_KEY);
  storage()?.setItem(KEY, JSON.stringify(a));
  for (const l of listeners) l(a);
  return a;
}

/** Signs out; `notice` says why when the app did it (shown on the sign-in page). */
export function clearAuth(notice?: string): void {
  // A 401 that lands after the app signed out keeps the app's reason on screen.
  if (notice) storage()?.setItem(NOTICE_KEY, notice);
  else if (storage()?.getItem(KEY)) storage()?.removeItem(NOTICE_KEY);
  storage()?.removeItem(KEY);
  for (const l of listeners) l(null);
}

/** Why the app signed the user out, until the next sign-in (null: they did). */
export function signOutNotice(): string | null {
  return storage()?.getItem(NOTICE_KEY) ?? null;
}

export function token(): string | null {
  return loadAuth()?.token ?? null;
}

export function onAuthChange(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

if (typeof window !== 'undefined') {
  // Another tab signed in or out.
  window.addEventListener('storage', (e) => {
    if (e.key === KEY) {
      const a = loadAuth();
      for (const l of listeners) l(a);
    }
  });
}
