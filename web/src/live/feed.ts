// The live feed of one class: owns the WebSocket, the roster state, reconnection
// with backoff and resume (since + epoch), heartbeats, and REST reconciles.

import { attendanceSocketUrl } from '../api/client';
import type { AttendanceRecord, LiveEvent, Session } from '../types';
import { applyFrame, initialState, mergeRest, type ApplyResult, type RosterState } from './roster';

/**
 * What the connection badge says. `reconnecting` is a short state: the feed is
 * `offline` when the browser says it is, or once the connection has been down
 * for OFFLINE_AFTER_MS (10 s), or after OFFLINE_AFTER_FAILED_RECONNECTS (2)
 * failed reconnects in a row, whichever comes first; it stays `offline` (still
 * retrying with backoff) until a snapshot makes it `live` again. A server
 * restart (about a second) shows `reconnecting`; an outage shows `offline`.
 */
export type ConnectionStatus = 'live' | 'reconnecting' | 'offline';

export const OFFLINE_AFTER_MS = 10_000;
export const OFFLINE_AFTER_FAILED_RECONNECTS = 2;

/** What a REST probe says when the WebSocket could not be opened. */
export type ProbeResult = 'ok' | 'unauthorized' | 'forbidden' | 'not_found' | 'network';

/** Close code and reason of a subscription whose token expired (API.md §5). */
export const TOKEN_EXPIRED_CODE = 1008;
export const TOKEN_EXPIRED_REASON = 'token_expired';

/**
 * What to do when the socket closed:
 * - `resume_now`: reconnect at once with since + epoch (too slow, 1013; or the
 *   token expired and a refreshed one is already there);
 * - `refresh_then_resume`: the token expired and nothing newer is stored: ask for
 *   a refresh first, then reconnect with since + epoch;
 * - `probe`: it never got going: ask REST why (401, 403, 404, or the network);
 * - `retry`: reconnect after the backoff.
 */
export type CloseAction = 'resume_now' | 'refresh_then_resume' | 'probe' | 'retry';

export function closeAction(
  ev: { code: number; reason?: string },
  ctx: { established: boolean; canProbe: boolean; tokenUsed: string | null; tokenNow: string | null },
): CloseAction {
  if (ev.code === 1013) return 'resume_now';
  if (ev.code === TOKEN_EXPIRED_CODE && ev.reason === TOKEN_EXPIRED_REASON) {
    return ctx.tokenNow !== null && ctx.tokenNow !== ctx.tokenUsed ? 'resume_now' : 'refresh_then_resume';
  }
  if (!ctx.established && ctx.canProbe) return 'probe';
  return 'retry';
}

export interface WebSocketLike {
  readyState: number;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: { data: any }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: any) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface FeedOptions {
  classId: number;
  /** e.g. `ws://127.0.0.1:8080` */
  wsBase: string;
  getToken: () => string | null;
  students?: Iterable<[number, string]>;
  createSocket?: (url: string) => WebSocketLike;
  /** Fetches a session's attendance (REST), to make sure the roster is final. */
  fetchAttendance?: (sessionId: number) => Promise<{ session: Session; records: AttendanceRecord[] } | null>;
  /** Asks the REST API why the WebSocket handshake failed. */
  probe?: () => Promise<ProbeResult>;
  onUnauthorized?: () => void;
  /**
   * Gets a fresh token (features/auth/tokenRefresh.ts) when the socket closed for
   * `token_expired` and no newer token is stored; the feed then resumes. Without
   * it the feed just reconnects (and a 401 handshake ends in onUnauthorized).
   */
  refreshToken?: () => Promise<unknown>;
  isOnline?: () => boolean;
  pingIntervalMs?: number;
  /** No frame at all for this long: the connection is dead, reconnect. */
  silenceMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** See ConnectionStatus. */
  offlineAfterMs?: number;
  offlineAfterFailedReconnects?: number;
  random?: () => number;
}

export interface FeedUpdate {
  state: RosterState;
  status: ConnectionStatus;
  error: string | null;
  changed: number[];
  notes: string[];
}

type Listener = (u: FeedUpdate) => void;

const OPEN = 1;

export class LiveFeed {
  state: RosterState;
  status: ConnectionStatus = 'reconnecting';
  error: string | null = null;
  /** Number of connections made (for tests and diagnostics). */
  connects = 0;
  /** Number of times a gap made the feed resume. */
  gaps = 0;

  private opts: Required<
    Pick<FeedOptions, 'pingIntervalMs' | 'silenceMs' | 'backoffBaseMs' | 'backoffMaxMs' | 'offlineAfterMs' | 'offlineAfterFailedReconnects'>
  > &
    FeedOptions;
  private ws: WebSocketLike | null = null;
  /** The token the current (or last) socket was opened with. */
  private tokenUsed: string | null = null;
  private established = false;
  private attempt = 0;
  private stopped = true;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private silenceTimer: ReturnType<typeof setTimeout> | null = null;
  /** Since when (ms) there has been no live connection; null while live. */
  private downSince: number | null = null;
  private offlineTimer: ReturnType<typeof setTimeout> | null = null;
  /** Reconnects in a row that closed before connection_established. */
  private failedReconnects = 0;
  private listeners = new Set<Listener>();
  private reconciling = new Map<number, boolean>();
  private onOnline = () => {
    if (this.stopped) return;
    if (!this.established) {
      this.attempt = 0;
      this.failedReconnects = 0;
      this.markDown(true);
      this.dropSocket();
      this.setStatus('reconnecting');
      this.connectNow();
    }
  };
  private onOffline = () => {
    if (this.stopped) return;
    // No network: the socket is dead or about to be; say so now, keep retrying.
    this.dropSocket();
    this.setStatus('offline');
    this.scheduleRetry();
  };

  constructor(opts: FeedOptions) {
    this.opts = {
      pingIntervalMs: 20_000,
      silenceMs: 45_000,
      backoffBaseMs: 300,
      backoffMaxMs: 8_000,
      offlineAfterMs: OFFLINE_AFTER_MS,
      offlineAfterFailedReconnects: OFFLINE_AFTER_FAILED_RECONNECTS,
      ...opts,
    };
    this.state = initialState(opts.classId, opts.students ?? []);
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.markDown();
    if (typeof window !== 'undefined' && window.addEventListener) {
      window.addEventListener('online', this.onOnline);
      window.addEventListener('offline', this.onOffline);
    }
    this.connectNow();
  }

  stop(): void {
    this.stopped = true;
    if (typeof window !== 'undefined' && window.removeEventListener) {
      window.removeEventListener('online', this.onOnline);
      window.removeEventListener('offline', this.onOffline);
    }
    this.clearTimers();
    this.markUp();
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onclose = ws.onmessage = ws.onerror = ws.onopen = null;
      try {
        ws.close(1000);
      } catch {
        /* already closed */
      }
    }
  }

  /** The connection is gone (or not there yet): start the OFFLINE_AFTER_MS clock, unless it runs. */
  private markDown(restart = false): void {
    if (this.downSince !== null && !restart) return;
    this.downSince = Date.now();
    if (this.offlineTimer) clearTimeout(this.offlineTimer);
    this.offlineTimer = setTimeout(() => {
      this.offlineTimer = null;
      if (!this.stopped && this.status !== 'live') this.setStatus('offline');
    }, this.opts.offlineAfterMs);
  }

  private markUp(): void {
    if (this.offlineTimer) clearTimeout(this.offlineTimer);
    this.offlineTimer = null;
    this.downSince = null;
    this.failedReconnects = 0;
  }

  /** The status while there is no live connection (see ConnectionStatus). */
  private downStatus(): ConnectionStatus {
    if (!this.isOnline() || this.status === 'offline') return 'offline';
    if (this.failedReconnects >= this.opts.offlineAfterFailedReconnects) return 'offline';
    if (this.downSince !== null && Date.now() - this.downSince >= this.opts.offlineAfterMs) return 'offline';
    return 'reconnecting';
  }

  /** Merges records the app got over REST (its own writes, reconciles). */
  mergeRest(records: AttendanceRecord[], session?: Session): void {
    const { state, changed } = mergeRest(this.state, records, session);
    if (state === this.state) return;
    this.state = state;
    this.emit(changed, []);
  }

  /** Learns enrolled students (from GET /classes/{id}). */
  setStudents(students: Iterable<[number, string]>): void {
    const m = new Map(this.state.students);
    for (const [id, name] of students) m.set(id, name);
    this.state = { ...this.state, students: m };
  }

  /** The URL of the next connection: resumes when a history is known. */
  url(): string {
    return this.urlWith(this.opts.getToken() ?? '');
  }

  private urlWith(token: string): string {
    const known = this.state.epoch !== null && this.state.seq >= 0;
    return attendanceSocketUrl(
      this.opts.wsBase,
      this.opts.classId,
      token,
      known ? { since: this.state.seq, epoch: this.state.epoch! } : undefined,
    );
  }

  /** Closes the socket and reconnects at once, resuming with since + epoch. */
  resume(): void {
    if (this.stopped) return;
    this.dropSocket();
    this.markDown();
    this.setStatus(this.downStatus());
    this.connectNow();
  }

  private isOnline(): boolean {
    if (this.opts.isOnline) return this.opts.isOnline();
    return typeof navigator === 'undefined' || navigator.onLine !== false;
  }

  private connectNow(): void {
    if (this.stopped) return;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    const token = this.opts.getToken();
    if (!token) {
      this.opts.onUnauthorized?.();
      return;
    }
    const create = this.opts.createSocket ?? ((url: string) => new WebSocket(url) as unknown as WebSocketLike);
    let ws: WebSocketLike;
    this.tokenUsed = token;
    try {
      ws = create(this.urlWith(token));
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    this.established = false;
    this.connects += 1;
    ws.onopen = () => {
      this.armSilence();
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.armSilence();
      let msg: LiveEvent;
      try {
        msg = JSON.parse(typeof ev.data === 'string' ? ev.data : String(ev.data));
      } catch {
        return;
      }
      this.handle(msg);
    };
    ws.onerror = () => {
      /* onclose follows */
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      const wasEstablished = this.established;
      this.ws = null;
      this.established = false;
      this.clearTimers();
      if (this.stopped) return;
      if (wasEstablished) this.markDown();
      else this.failedReconnects += 1;
      this.setStatus(this.downStatus());
      const action = closeAction(ev, {
        established: wasEstablished,
        canProbe: this.opts.probe !== undefined,
        tokenUsed: this.tokenUsed,
        tokenNow: this.opts.getToken(),
      });
      this.afterClose(action);
    };
  }

  private afterClose(action: CloseAction): void {
    switch (action) {
      case 'resume_now':
        this.attempt = 0;
        this.connectNow();
        return;
      case 'refresh_then_resume':
        if (!this.opts.refreshToken) break;
        void this.opts.refreshToken().then(
          () => this.resumeAfterRefresh(),
          () => this.resumeAfterRefresh(),
        );
        return;
      case 'probe':
        void this.opts.probe!().then((p) => this.afterProbe(p));
        return;
      default:
        break;
    }
    this.scheduleRetry();
  }

  /** After a refresh asked for by `token_expired`: resume with the new token, if any. */
  private resumeAfterRefresh(): void {
    if (this.stopped || this.ws) return;
    const t = this.opts.getToken();
    if (t === null) {
      this.stop();
      this.opts.onUnauthorized?.();
    } else if (t !== this.tokenUsed) {
      this.attempt = 0;
      this.connectNow();
    } else {
      this.scheduleRetry(); // the refresh failed for now; it is retried on its own
    }
  }

  private afterProbe(p: ProbeResult): void {
    if (this.stopped || this.ws) return;
    if (p === 'unauthorized') {
      this.stop();
      this.opts.onUnauthorized?.();
    } else if (p === 'forbidden' || p === 'not_found') {
      this.error = p === 'forbidden' ? 'You may not see this class.' : 'This class does not exist.';
      this.stop();
      this.setStatus('offline');
    } else {
      this.scheduleRetry();
    }
  }

  private handle(msg: LiveEvent): void {
    const r: ApplyResult = applyFrame(this.state, msg);
    switch (r.outcome) {
      case 'gap':
        this.gaps += 1;
        this.resume();
        return;
      case 'snapshot':
      case 'resumed':
        this.established = true;
        this.attempt = 0;
        this.error = null;
        this.state = r.state;
        this.startPing();
        this.markUp();
        this.status = 'live';
        this.emit(r.changed, r.notes);
        break;
      case 'applied':
        this.state = r.state;
        this.emit(r.changed, r.notes);
        break;
      default:
        break;
    }
    if (r.reconcile !== undefined) this.reconcile(r.reconcile);
  }

  private reconcile(sessionId: number): void {
    const fetcher = this.opts.fetchAttendance;
    if (!fetcher) return;
    if (this.reconciling.get(sessionId)) return;
    this.reconciling.set(sessionId, true);
    void fetcher(sessionId)
      .then((res) => {
        if (res && !this.stopped) this.mergeRest(res.records, res.session);
      })
      .catch(() => {
        /* the live feed stays the source; a later change triggers another reconcile */
      })
      .finally(() => this.reconciling.delete(sessionId));
  }

  private startPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (this.ws && this.ws.readyState === OPEN) {
        try {
          this.ws.send('{"type":"ping"}');
        } catch {
          /* onclose follows */
        }
      }
    }, this.opts.pingIntervalMs);
  }

  private armSilence(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => {
      // Nothing heard (not even a pong) for too long: the connection is dead.
      if (this.ws) this.resume();
    }, this.opts.silenceMs);
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const base = Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** this.attempt);
    const rnd = this.opts.random ?? Math.random;
    const delay = Math.round(base * (0.75 + 0.5 * rnd()));
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connectNow();
    }, delay);
  }

  private dropSocket(): void {
    this.clearTimers();
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onclose = ws.onmessage = ws.onerror = ws.onopen = null;
      try {
        ws.close(1000);
      } catch {
        /* already closed */
      }
    }
    this.established = false;
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.retryTimer = this.pingTimer = this.silenceTimer = null;
  }

  private setStatus(s: ConnectionStatus): void {
    if (this.status === s) return;
    this.status = s;
    this.emit([], []);
  }

  private emit(changed: number[], notes: string[]): void {
    const u: FeedUpdate = { state: this.state, status: this.status, error: this.error, changed, notes };
    for (const l of this.listeners) l(u);
  }
}
