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
  storage()?.setItem(KEY, JSON.stringify(a));
  for (const l of listeners) l(a);
  return a;
}

export function clearAuth(): void {
  storage()?.removeItem(KEY);
  for (const l of listeners) l(null);
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
