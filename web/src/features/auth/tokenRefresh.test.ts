import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/http';
import type { Auth } from '../../auth';
import type { LoginResponse } from '../../types';
import { REFRESH_LEAD_MS, REFRESH_RETRY_MS, SIGNED_OUT_NOTICE, TokenRefresher, refreshDelayMs } from './tokenRefresh';

const HOUR_MS = 3_600_000;
const USER = { id: 2, username: 'teacher1', name: 'T', role: 'teacher' as const };

function answer(token: string, expiresInS = 3600): LoginResponse {
  return { access_token: token, token_type: 'bearer', expires_in: expiresInS, user: USER };
}

/** A refresher over an in-memory sign-in, driven by fake timers (Date.now is faked too). */
function setup(opts: { first?: Auth | null; events?: EventTarget[]; visible?: () => boolean } = {}) {
  let auth: Auth | null = opts.first === undefined ? { token: 'tok-0', expiresAt: Date.now() + HOUR_MS, user: USER } : opts.first;
  const listeners = new Set<(a: Auth | null) => void>();
  const set = (a: Auth | null) => {
    auth = a;
    for (const l of listeners) l(a);
  };
  const refresh = vi.fn<() => Promise<LoginResponse>>();
  const signOut = vi.fn((_notice: string) => set(null));
  const r = new TokenRefresher({
    now: () => Date.now(),
    load: () => (auth && auth.expiresAt > Date.now() + 5_000 ? auth : null),
    refresh,
    save: (res, now) => set({ token: res.access_token, expiresAt: now + res.expires_in * 1000, user: res.user }),
    signOut,
    onAuthChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    events: opts.events,
    isVisible: opts.visible,
  });
  return { r, refresh, signOut, set, auth: () => auth };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-11-22T08:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('refreshDelayMs', () => {
  const at = (expiresAt: number): Auth => ({ token: 't', expiresAt, user: USER });
  it('is a minute before expiry, never negative', () => {
    expect(refreshDelayMs(at(1_000 + HOUR_MS), 1_000)).toBe(HOUR_MS - REFRESH_LEAD_MS);
    expect(refreshDelayMs(at(1_000 + 30_000), 1_000)).toBe(0);
    expect(refreshDelayMs(at(0), 1_000)).toBe(0);
  });
  it('is capped at what setTimeout can wait', () => {
    expect(refreshDelayMs(at(1e13), 0)).toBe(2_147_483_647);
  });
});

describe('TokenRefresher', () => {
  it('refreshes a minute before expiry, not earlier, and plans the next from the new token', async () => {
    const { r, refresh, auth } = setup();
    refresh.mockResolvedValueOnce(answer('tok-1')).mockResolvedValueOnce(answer('tok-2'));
    r.start();
    await vi.advanceTimersByTimeAsync(HOUR_MS - REFRESH_LEAD_MS - 1);
    expect(refresh).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(auth()?.token).toBe('tok-1');
    expect(auth()?.expiresAt).toBe(Date.now() + HOUR_MS);
    // The next one comes an hour later, from the new expiry.
    await vi.advanceTimersByTimeAsync(HOUR_MS - REFRESH_LEAD_MS - 1);
    expect(refresh).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(refresh).toHaveBeenCalledTimes(2);
    expect(auth()?.token).toBe('tok-2');
    r.stop();
  });

  it('signs out with a message when refresh answers 401', async () => {
    const { r, refresh, signOut, auth } = setup();
    refresh.mockRejectedValueOnce(new ApiError(401, 'unauthorized', 'this account is disabled'));
    r.start();
    await vi.advanceTimersByTimeAsync(HOUR_MS - REFRESH_LEAD_MS);
    expect(signOut).toHaveBeenCalledExactlyOnceWith(SIGNED_OUT_NOTICE);
    expect(auth()).toBeNull();
    // Nothing more is tried for a user who is gone.
    await vi.advanceTimersByTimeAsync(HOUR_MS);
    expect(refresh).toHaveBeenCalledTimes(1);
    r.stop();
  });

  it('retries a refresh that got no answer, without signing out', async () => {
    const { r, refresh, signOut, auth } = setup();
    refresh.mockRejectedValueOnce(new ApiError(0, 'network_error', 'no connection')).mockResolvedValueOnce(answer('tok-1'));
    r.start();
    await vi.advanceTimersByTimeAsync(HOUR_MS - REFRESH_LEAD_MS);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(auth()?.token).toBe('tok-0');
    await vi.advanceTimersByTimeAsync(REFRESH_RETRY_MS - 1);
    expect(refresh).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(refresh).toHaveBeenCalledTimes(2);
    expect(auth()?.token).toBe('tok-1');
    expect(signOut).not.toHaveBeenCalled();
    r.stop();
  });

  it('does not refresh a token another tab already refreshed', async () => {
    const { r, refresh, set } = setup();
    r.start();
    await vi.advanceTimersByTimeAsync(HOUR_MS / 2);
    // Another tab stores a fresh token (the storage event reaches onAuthChange).
    set({ token: 'tok-other', expiresAt: Date.now() + HOUR_MS, user: USER });
    await vi.advanceTimersByTimeAsync(HOUR_MS / 2);
    expect(refresh).not.toHaveBeenCalled();
    r.stop();
  });

  it('refreshes on focus when the token is close to expiry, not when it is far', async () => {
    const win = new EventTarget();
    const { r, refresh, set } = setup({ events: [win], visible: () => true });
    refresh.mockResolvedValue(answer('tok-1'));
    r.start();
    win.dispatchEvent(new Event('focus'));
    await vi.advanceTimersByTimeAsync(0);
    expect(refresh).not.toHaveBeenCalled();
    // The laptop slept: the timer has not fired, but the token is nearly gone.
    set({ token: 'tok-0', expiresAt: Date.now() + 30_000, user: USER });
    r.stop();
    r.start();
    win.dispatchEvent(new Event('visibilitychange'));
    await vi.advanceTimersByTimeAsync(0);
    expect(refresh).toHaveBeenCalledTimes(1);
    r.stop();
  });

  it('refreshNow shares one request between callers', async () => {
    const { r, refresh } = setup();
    let resolve!: (v: LoginResponse) => void;
    refresh.mockReturnValueOnce(new Promise((res) => (resolve = res)));
    const a = r.refreshNow();
    const b = r.refreshNow();
    resolve(answer('tok-1'));
    expect(await a).toBe('refreshed');
    expect(await b).toBe('refreshed');
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('an answer that arrives after a sign-out does not sign anyone back in', async () => {
    const { r, refresh, set, auth } = setup();
    let resolve!: (v: LoginResponse) => void;
    refresh.mockReturnValueOnce(new Promise((res) => (resolve = res)));
    const p = r.refreshNow();
    set(null);
    resolve(answer('tok-1'));
    expect(await p).toBe('not_signed_in');
    expect(auth()).toBeNull();
  });

  it('stop() cancels the planned refresh', async () => {
    const { r, refresh } = setup();
    r.start();
    r.stop();
    await vi.advanceTimersByTimeAsync(2 * HOUR_MS);
    expect(refresh).not.toHaveBeenCalled();
  });
});
