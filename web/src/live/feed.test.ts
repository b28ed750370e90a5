import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveFeed, closeAction, type ProbeResult, type WebSocketLike } from './feed';
import { EPOCH, SESSION, established, ev, joined, rec } from './fixtures';

class FakeSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((ev: any) => void) | null = null;
  onmessage: ((ev: { data: any }) => void) | null = null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null;
  onerror: ((ev: any) => void) | null = null;
  sent: string[] = [];
  closed: number | null = null;
  constructor(public url: string) {}
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  frame(obj: unknown) {
    this.onmessage?.({ data: JSON.stringify(obj) });
  }
  serverClose(code: number, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  send(d: string) {
    this.sent.push(d);
  }
  close(code?: number) {
    this.closed = code ?? 1000;
    this.readyState = 3;
  }
}

function setup(probe: ProbeResult = 'network', extra: { getToken?: () => string | null; refreshToken?: () => Promise<unknown> } = {}) {
  const sockets: FakeSocket[] = [];
  const fetchAttendance = vi.fn(async () => null);
  const onUnauthorized = vi.fn();
  const feed = new LiveFeed({
    classId: 1,
    wsBase: 'ws://host',
    getToken: extra.getToken ?? (() => 'tok'),
    refreshToken: extra.refreshToken,
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    fetchAttendance,
    probe: async () => probe,
    onUnauthorized,
    isOnline: () => true,
    random: () => 0.5,
  });
  const updates: string[] = [];
  feed.subscribe((u) => updates.push(u.status));
  return { feed, sockets, fetchAttendance, onUnauthorized, updates, last: () => sockets[sockets.length - 1] };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LiveFeed', () => {
  it('connects without since first, goes live on connection_established', () => {
    const { feed, last } = setup();
    feed.start();
    expect(last().url).toBe('ws://host/ws/attendance/1?token=tok');
    expect(feed.status).toBe('reconnecting');
    last().open();
    last().frame(established(10, [rec(3), rec(4)]));
    expect(feed.status).toBe('live');
    expect(feed.state.seq).toBe(10);
    feed.stop();
  });

  it('a teacher who sees a gap resumes with since + epoch, and gets the missing events', () => {
    const { feed, sockets, last } = setup();
    feed.start();
    last().open();
    last().frame(established(10, [rec(3), rec(4)]));
    last().frame(joined(11, rec(3, 'present', { timestamp: 't1' })));
    // seq 12 is lost: 13 arrives.
    last().frame(joined(13, rec(4, 'present', { timestamp: 't3' })));
    expect(feed.gaps).toBe(1);
    expect(sockets[0].closed).toBe(1000);
    expect(sockets).toHaveLength(2);
    expect(last().url).toBe(`ws://host/ws/attendance/1?token=tok&since=11&epoch=${EPOCH}`);
    expect(feed.state.records.get(4)?.attendance_status).toBe('unmarked');
    // The resumed connection replays 12 and 13.
    last().open();
    last().frame(established(13, [], { recovered: true }));
    last().frame(ev('attendance_update', 12, { ...rec(3, 'excused', { timestamp: 't2', is_manual_override: true }), change: 'updated' }));
    last().frame(joined(13, rec(4, 'present', { timestamp: 't3' })));
    expect(feed.status).toBe('live');
    expect(feed.state.seq).toBe(13);
    expect(feed.state.records.get(3)?.attendance_status).toBe('excused');
    expect(feed.state.records.get(4)?.attendance_status).toBe('present');
    feed.stop();
  });

  it('recovered: false after a resume reloads the snapshot', () => {
    const { feed, last } = setup();
    feed.start();
    last().open();
    last().frame(established(10, [rec(3), rec(4)]));
    last().serverClose(1001);
    expect(feed.status).toBe('reconnecting');
    vi.advanceTimersByTime(10_000);
    expect(last().url).toContain('since=10');
    last().open();
    last().frame(established(50, [rec(3, 'late', { timestamp: 'x' }), rec(4, 'absent', { timestamp: 'x' })], { epoch: 'cafebabe' }));
    expect(feed.state.epoch).toBe('cafebabe');
    expect(feed.state.seq).toBe(50);
    expect(feed.state.records.get(3)?.attendance_status).toBe('late');
    expect(feed.status).toBe('live');
    feed.stop();
  });

  it('says offline after the second failed reconnect, and live again once back', async () => {
    const { feed, last, updates } = setup('network');
    feed.start();
    last().open();
    last().frame(established(7, [rec(3)]));
    last().serverClose(1006);
    expect(feed.status).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(400);
    last().serverClose(1006); // first reconnect fails
    expect(feed.status).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(800);
    last().serverClose(1006); // second reconnect fails
    expect(feed.status).toBe('offline');
    await vi.advanceTimersByTimeAsync(1_600);
    last().open();
    last().frame(established(7, [rec(3)]));
    expect(feed.status).toBe('live');
    expect(updates.slice(-3)).toEqual(['reconnecting', 'offline', 'live']);
    feed.stop();
  });

  it('says offline after 10 s without a connection, even while a reconnect hangs', async () => {
    const { feed, last } = setup('network');
    feed.start();
    last().open();
    last().frame(established(7, [rec(3)]));
    last().serverClose(1006);
    // The reconnect neither opens nor fails (a server that accepts nothing).
    await vi.advanceTimersByTimeAsync(9_900);
    expect(feed.status).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(200);
    expect(feed.status).toBe('offline');
    feed.stop();
  });

  it('close code 1013 resumes with since at once', () => {
    const { feed, sockets, last } = setup();
    feed.start();
    last().open();
    last().frame(established(7, [rec(3)]));
    last().serverClose(1013);
    expect(sockets).toHaveLength(2);
    expect(last().url).toContain(`since=7&epoch=${EPOCH}`);
    feed.stop();
  });

  it('reconnects with growing backoff while the server is away', async () => {
    const { feed, sockets, last } = setup('network');
    feed.start();
    last().open();
    last().frame(established(7, [rec(3)]));
    last().serverClose(1001);
    const times: number[] = [];
    let t = 0;
    for (let i = 0; i < 6; i++) {
      const n = sockets.length;
      while (sockets.length === n && t < 60_000) {
        await vi.advanceTimersByTimeAsync(10);
        t += 10;
      }
      times.push(t);
      // The handshake fails (server down): closed before connection_established.
      last().serverClose(1006);
    }
    const waits = times.map((x, i) => x - (times[i - 1] ?? 0));
    expect(waits[0]).toBeLessThanOrEqual(400);
    expect(waits[1]).toBeLessThan(waits[3]);
    expect(Math.max(...waits)).toBeLessThanOrEqual(8_010);
    // Six failed reconnects: the badge says offline, not "reconnecting" forever.
    expect(feed.status).toBe('offline');
    // Every attempt resumes from the last seq seen.
    expect(last().url).toContain('since=7');
    feed.stop();
  });

  it('sends a ping every 20 s', () => {
    const { feed, last } = setup();
    feed.start();
    last().open();
    last().frame(established(1, []));
    vi.advanceTimersByTime(20_000);
    expect(last().sent).toEqual(['{"type":"ping"}']);
    last().frame(ev('pong', 1, {}));
    vi.advanceTimersByTime(20_000);
    expect(last().sent).toHaveLength(2);
    feed.stop();
  });

  it('a silent connection is dropped and resumed', () => {
    const { feed, sockets, last } = setup();
    feed.start();
    last().open();
    last().frame(established(3, []));
    vi.advanceTimersByTime(46_000);
    expect(sockets).toHaveLength(2);
    expect(last().url).toContain('since=3');
    feed.stop();
  });

  it('signs out when the handshake fails because the token is no longer valid', async () => {
    const { feed, onUnauthorized, last } = setup('unauthorized');
    feed.start();
    last().serverClose(1006);
    await vi.runOnlyPendingTimersAsync();
    expect(onUnauthorized).toHaveBeenCalled();
  });

  it('fetches the attendance over REST to confirm a closed session', () => {
    const { feed, fetchAttendance, last } = setup();
    feed.start();
    last().open();
    last().frame(established(10, [rec(3)]));
    last().frame(ev('session_closed', 11, { ...SESSION, status: 'closed', closed_at: '2026-11-22T09:00:00.000Z' }));
    expect(fetchAttendance).toHaveBeenCalledWith(SESSION.id);
    expect(feed.state.records.get(3)?.attendance_status).toBe('absent');
    feed.stop();
  });
});

describe('closeAction: what a closed socket does next', () => {
  const ctx = { established: true, canProbe: true, tokenUsed: 'old', tokenNow: 'old' };
  it.each([
    ['token_expired, a refreshed token is stored', { code: 1008, reason: 'token_expired' }, { tokenNow: 'new' }, 'resume_now'],
    ['token_expired, only the expired token', { code: 1008, reason: 'token_expired' }, {}, 'refresh_then_resume'],
    ['token_expired, signed out meanwhile', { code: 1008, reason: 'token_expired' }, { tokenNow: null }, 'refresh_then_resume'],
    ['token_expired before the hello', { code: 1008, reason: 'token_expired' }, { established: false, tokenNow: 'new' }, 'resume_now'],
    ['1008 for another reason (silence)', { code: 1008, reason: 'silence' }, {}, 'retry'],
    ['too slow', { code: 1013 }, {}, 'resume_now'],
    ['server shutting down', { code: 1001 }, {}, 'retry'],
    ['handshake refused', { code: 1006 }, { established: false }, 'probe'],
    ['handshake refused, no probe', { code: 1006 }, { established: false, canProbe: false }, 'retry'],
  ] as const)('%s', (_name, ev, over, want) => {
    expect(closeAction(ev, { ...ctx, ...over })).toBe(want);
  });
});

describe('LiveFeed and token expiry (API.md §5: close 1008 token_expired)', () => {
  it('reconnects at once with the refreshed token and since + epoch', () => {
    let tok = 'tok-a';
    const refreshToken = vi.fn(async () => undefined);
    const { feed, sockets, last } = setup('network', { getToken: () => tok, refreshToken });
    feed.start();
    last().open();
    last().frame(established(10, [rec(3)]));
    last().frame(joined(11, rec(3, 'present', { timestamp: 't1' })));
    tok = 'tok-b'; // the auth feature refreshed a minute before expiry
    last().serverClose(1008, 'token_expired');
    expect(sockets).toHaveLength(2); // no backoff wait
    expect(refreshToken).not.toHaveBeenCalled();
    expect(last().url).toBe(`ws://host/ws/attendance/1?token=tok-b&since=11&epoch=${EPOCH}`);
    last().open();
    last().frame(established(11, [], { recovered: true }));
    expect(feed.status).toBe('live');
    feed.stop();
  });

  it('asks for a refresh when only the expired token is stored, then resumes', async () => {
    let tok = 'tok-a';
    const refreshToken = vi.fn(async () => {
      tok = 'tok-b';
    });
    const { feed, sockets, last, onUnauthorized } = setup('network', { getToken: () => tok, refreshToken });
    feed.start();
    last().open();
    last().frame(established(10, [rec(3)]));
    last().serverClose(1008, 'token_expired');
    expect(refreshToken).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(sockets).toHaveLength(2);
    expect(last().url).toBe(`ws://host/ws/attendance/1?token=tok-b&since=10&epoch=${EPOCH}`);
    expect(onUnauthorized).not.toHaveBeenCalled();
    feed.stop();
  });

  it('signs out when the refresh left no token', async () => {
    let tok: string | null = 'tok-a';
    const refreshToken = vi.fn(async () => {
      tok = null; // refused: the auth feature signed out
    });
    const { feed, sockets, last, onUnauthorized } = setup('network', { getToken: () => tok, refreshToken });
    feed.start();
    last().open();
    last().frame(established(10, [rec(3)]));
    last().serverClose(1008, 'token_expired');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(sockets).toHaveLength(1);
    feed.stop();
  });

  it('backs off and tries again when the refresh got no answer', async () => {
    const refreshToken = vi.fn(async () => {
      throw new Error('offline');
    });
    const { feed, sockets, last, onUnauthorized } = setup('network', { getToken: () => 'tok-a', refreshToken });
    feed.start();
    last().open();
    last().frame(established(10, [rec(3)]));
    last().serverClose(1008, 'token_expired');
    await vi.advanceTimersByTimeAsync(0);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sockets).toHaveLength(2);
    expect(last().url).toContain('since=10');
    expect(onUnauthorized).not.toHaveBeenCalled();
    feed.stop();
  });
});
