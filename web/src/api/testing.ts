// Test doubles for the API layer (not part of the app bundle): a localStorage in
// memory, a signed-in user, and a stubbed fetch that records every call.

import { vi } from 'vitest';
import { saveLogin } from '../auth';
import type { Role } from '../types';

export function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
  };
}

/** A fresh localStorage with `role` signed in (token `tok-<id>`). */
export function signedIn(role: Role = 'teacher', id = 2): void {
  vi.stubGlobal('localStorage', memoryStorage());
  saveLogin({ access_token: `tok-${id}`, token_type: 'bearer', expires_in: 3600, user: { id, username: `u${id}`, name: `User ${id}`, role } });
}

export interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  cache: RequestCache | undefined;
}

export type Reply = Response | Error | (() => Response);

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

/** Stubs fetch: answers `replies` in order (an Error rejects, like no connection), records the calls. */
export function stubFetch(...replies: Reply[]): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      calls.push({
        url,
        method: init.method ?? 'GET',
        headers: { ...(init.headers as Record<string, string>) },
        body: init.body as string | undefined,
        cache: init.cache,
      });
      const r = replies.shift();
      if (!r) throw new Error(`unexpected fetch ${url}`);
      if (r instanceof Error) throw r;
      return typeof r === 'function' ? r() : r;
    }),
  );
  return calls;
}
