// The live feed of a class as a Preact hook: the roster state, the connection
// status, and which rows to highlight after a change.

import { useEffect, useRef, useState } from 'preact/hooks';
import { getAttendance, getClass } from '../api/client';
import { ApiError } from '../api/http';
import { clearAuth, token } from '../auth';
import { tokenRefresher } from '../features/auth/tokenRefresh';
import { LiveFeed, type ConnectionStatus, type FeedUpdate, type ProbeResult } from '../live/feed';
import { displayCounts, type RosterState } from '../live/roster';
import type { Counts } from '../types';

function wsBase(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
}

async function probeClass(classId: number): Promise<ProbeResult> {
  try {
    await getClass(classId);
    return 'ok';
  } catch (e) {
    if (e instanceof ApiError) {
      if (e.status === 401) return 'unauthorized';
      if (e.status === 403) return 'forbidden';
      if (e.status === 404) return 'not_found';
    }
    return 'network';
  }
}

export interface LiveView {
  feed: LiveFeed | null;
  state: RosterState | null;
  status: ConnectionStatus;
  error: string | null;
  /** student id -> highlight generation (changes re-trigger the flash) */
  flash: Map<number, number>;
  announcement: string;
}

/** Subscribes to a class's live feed for as long as the component is mounted. */
export function useLiveFeed(classId: number): LiveView {
  const [view, setView] = useState<LiveView>({
    feed: null,
    state: null,
    status: typeof navigator !== 'undefined' && navigator.onLine === false ? 'offline' : 'reconnecting',
    error: null,
    flash: new Map(),
    announcement: '',
  });
  const gen = useRef(0);
  useEffect(() => {
    const feed = new LiveFeed({
      classId,
      wsBase: wsBase(),
      getToken: token,
      fetchAttendance: async (sid) => {
        try {
          return await getAttendance(sid);
        } catch {
          return null;
        }
      },
      probe: () => probeClass(classId),
      onUnauthorized: () => clearAuth(),
      // Closed for token_expired with no newer token stored: refresh, then resume.
      refreshToken: () => tokenRefresher.refreshNow(),
    });
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const unsub = feed.subscribe((u: FeedUpdate) => {
      setView((v) => {
        let flash = v.flash;
        if (u.changed.length) {
          flash = new Map(v.flash);
          gen.current += 1;
          const g = gen.current;
          for (const id of u.changed) flash.set(id, g);
          const t = setTimeout(() => {
            timers.delete(t);
            setView((w) => {
              const f = new Map(w.flash);
              for (const [id, gg] of f) if (gg === g) f.delete(id);
              return { ...w, flash: f };
            });
          }, 1600);
          timers.add(t);
        }
        return {
          feed,
          state: u.state,
          status: u.status,
          error: u.error,
          flash,
          announcement: u.notes.length ? u.notes.join('. ') : v.announcement,
        };
      });
    });
    setView((v) => ({ ...v, feed }));
    feed.start();
    return () => {
      unsub();
      feed.stop();
      for (const t of timers) clearTimeout(t);
    };
  }, [classId]);
  return view;
}

export function liveCounts(state: RosterState | null): Counts | null {
  return state ? displayCounts(state) : null;
}
