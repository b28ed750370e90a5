// Staying signed in (API.md §1): the access token is swapped for a fresh one
// (`POST /auth/refresh`) about a minute before it expires, and again whenever the
// page comes back into view close to expiry (timers of hidden tabs and sleeping
// laptops run late). A 401 from refresh (the token expired meanwhile, the account
// was disabled) signs out with a message; a failure without an answer is retried
// while the token still lives. Live sockets closed for `token_expired` ask for a
// refresh through `refreshNow` (live/feed.ts).

import { refresh as refreshCall } from '../../api/client';
import { ApiError } from '../../api/http';
import { clearAuth, loadAuth, onAuthChange, saveLogin, type Auth } from '../../auth';
import type { LoginResponse } from '../../types';

/** How long before `expiresAt` the token is refreshed. */
export const REFRESH_LEAD_MS = 60_000;
/** After a failure that got no answer (network, 5xx, 503 overloaded), try again this much later. */
export const REFRESH_RETRY_MS = 15_000;
/** setTimeout's limit (2^31 - 1 ms); later refreshes are re-planned on the way. */
const TIMER_MS_MAX = 2_147_483_647;

export const SIGNED_OUT_NOTICE = 'Your sign-in has ended (it expired, or the account was disabled). Please sign in again.';

export type RefreshOutcome = 'refreshed' | 'signed_out' | 'failed' | 'not_signed_in';

export interface RefreshDeps {
  now: () => number;
  load: () => Auth | null;
  refresh: () => Promise<LoginResponse>;
  save: (res: LoginResponse, now: number) => void;
  signOut: (notice: string) => void;
  onAuthChange: (l: (a: Auth | null) => void) => () => void;
  /** Where `focus` and `visibilitychange` are heard (window, document); none in tests that do not need it. */
  events?: EventTarget[];
  isVisible?: () => boolean;
  leadMs?: number;
  retryMs?: number;
}

/** Milliseconds from `now` until `auth` should be refreshed (0: now). */
export function refreshDelayMs(auth: Auth, now: number, leadMs = REFRESH_LEAD_MS): number {
  return Math.min(TIMER_MS_MAX, Math.max(0, auth.expiresAt - leadMs - now));
}

export class TokenRefresher {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<RefreshOutcome> | null = null;
  private offAuth: (() => void) | null = null;
  private readonly lead: number;
  private readonly retry: number;
  private onVisible = () => {
    if (this.deps.isVisible && !this.deps.isVisible()) return;
    const a = this.deps.load();
    if (a && refreshDelayMs(a, this.deps.now(), this.lead) === 0) void this.refreshNow();
  };

  constructor(private deps: RefreshDeps) {
    this.lead = deps.leadMs ?? REFRESH_LEAD_MS;
    this.retry = deps.retryMs ?? REFRESH_RETRY_MS;
  }

  start(): void {
    if (this.offAuth) return;
    // A sign-in, a refresh (this tab's or another's), a sign-out: plan again.
    this.offAuth = this.deps.onAuthChange(() => this.plan());
    for (const t of this.deps.events ?? []) {
      t.addEventListener('focus', this.onVisible);
      t.addEventListener('visibilitychange', this.onVisible);
    }
    this.plan();
  }

  stop(): void {
    this.offAuth?.();
    this.offAuth = null;
    for (const t of this.deps.events ?? []) {
      t.removeEventListener('focus', this.onVisible);
      t.removeEventListener('visibilitychange', this.onVisible);
    }
    this.clear();
  }

  /** Refreshes now (one request at a time: callers share it). */
  refreshNow(): Promise<RefreshOutcome> {
    if (!this.inFlight) {
      this.inFlight = this.run().finally(() => {
        this.inFlight = null;
      });
    }
    return this.inFlight;
  }

  private plan(delayMs?: number): void {
    this.clear();
    const a = this.deps.load();
    if (!a) return;
    const ms = delayMs ?? refreshDelayMs(a, this.deps.now(), this.lead);
    this.timer = setTimeout(() => {
      this.timer = null;
      const cur = this.deps.load();
      // Another tab may have refreshed meanwhile (or the timer was capped): plan anew.
      if (cur && refreshDelayMs(cur, this.deps.now(), this.lead) > 0) this.plan();
      else void this.refreshNow();
    }, ms);
  }

  private async run(): Promise<RefreshOutcome> {
    const before = this.deps.load();
    if (!before) return 'not_signed_in';
    // Whoever is signed in when the answer comes must still be who asked: a
    // sign-out (or another user's sign-in) meanwhile wins over this answer.
    try {
      const res = await this.deps.refresh();
      if (this.deps.load()?.user.id !== before.user.id) return 'not_signed_in';
      this.deps.save(res, this.deps.now()); // onAuthChange plans the next one
      return 'refreshed';
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        // Another tab refreshed meanwhile: its token stands.
        const cur = this.deps.load();
        if (cur && cur.token !== before.token) return 'refreshed';
        this.clear();
        this.deps.signOut(SIGNED_OUT_NOTICE);
        return 'signed_out';
      }
      // No answer (or not one about the token): try again while the token lives;
      // once it has run out, loadAuth() forgets it and the app shows sign-in.
      if (this.deps.load()) this.plan(this.retry);
      return 'failed';
    }
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** The app's refresher, over the real storage, client and page events. */
export const tokenRefresher = new TokenRefresher({
  now: () => Date.now(),
  load: () => loadAuth(),
  refresh: () => refreshCall(),
  save: (res, now) => void saveLogin(res, now),
  signOut: (notice) => clearAuth(notice),
  onAuthChange,
  get events() {
    return typeof window !== 'undefined' ? [window, document] : [];
  },
  isVisible: () => typeof document === 'undefined' || document.visibilityState !== 'hidden',
});
