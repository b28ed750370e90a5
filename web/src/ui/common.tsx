import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, get } from '../api';
import { clearAuth, token } from '../auth';
import { LiveFeed, type ConnectionStatus, type FeedUpdate, type ProbeResult } from '../live/feed';
import { displayCounts, type RosterState } from '../live/roster';
import type { AttendanceResponse, Counts } from '../types';

export function ConnectionBadge({ status }: { status: ConnectionStatus }) {
  const title =
    status === 'live'
      ? 'Live: updates appear as they happen'
      : status === 'reconnecting'
        ? 'Reconnecting: the view may be behind until the connection is back'
        : 'Offline: no connection to the server';
  return (
    <span class={`conn conn-${status}`} title={title}>
      <span class="dot" aria-hidden="true" />
      <span data-testid="connection-status" role="status" aria-label={`connection ${status}`}>
        {status}
      </span>
    </span>
  );
}

export function CountsBar({ counts }: { counts: Counts }) {
  const items: [keyof Counts, string][] = [
    ['present', 'Present'],
    ['late', 'Late'],
    ['absent', 'Absent'],
    ['excused', 'Excused'],
    ['unmarked', 'Not yet'],
  ];
  return (
    <div class="counts" data-testid="counts" aria-label="attendance counts">
      {items.map(([k, label]) => (
        <div class={`count count-${k}`} key={k} data-count={k}>
          <span class="n">{counts[k]}</span>
          <span class="l">{label}</span>
        </div>
      ))}
      <div class="count count-total" data-count="total">
        <span class="n">{counts.total}</span>
        <span class="l">Total</span>
      </div>
    </div>
  );
}

export function Modal({
  title,
  onClose,
  children,
}: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('input, select, textarea, button');
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      prev?.focus?.();
    };
  }, []);
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="modal" role="dialog" aria-modal="true" aria-label={title} ref={ref}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

export function ErrorText({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error}
    </p>
  );
}

function wsBase(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
}

async function probeClass(classId: number): Promise<ProbeResult> {
  try {
    await get(`/api/v1/classes/${classId}`);
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
          return await get<AttendanceResponse>(`/api/v1/sessions/${sid}/attendance`);
        } catch {
          return null;
        }
      },
      probe: () => probeClass(classId),
      onUnauthorized: () => clearAuth(),
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

export function describeError(e: unknown, fallback = 'Something went wrong.'): string {
  if (e instanceof ApiError) return e.message || fallback;
  return fallback;
}
