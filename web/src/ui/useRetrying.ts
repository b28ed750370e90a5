// A page's first load that does not give up: a page opened while the server is
// down says so, and shows its data by itself once the server answers again.

import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/http';

/** Worth asking again: no answer at all, or the server (or a proxy) failing for now. */
export function isTransient(e: unknown): boolean {
  return e instanceof ApiError && (e.isNetwork || e.status >= 500);
}

/** Waits between tries: 1 s, 2 s, 4 s, then every 8 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(8_000, 1_000 * 2 ** attempt);
}

/**
 * Calls `load` on mount and whenever `key` changes; after a transient failure
 * again (retryDelayMs, or at once when the browser comes online) until it
 * succeeds. `error` is the last failure, cleared by a success.
 */
export function useRetrying<T>(load: () => Promise<T>, key: unknown): { data: T | null; error: unknown } {
  const [state, setState] = useState<{ data: T | null; error: unknown }>({ data: null, error: null });
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let attempt = 0;
    const run = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      load().then(
        (data) => !stopped && setState({ data, error: null }),
        (error) => {
          if (stopped) return;
          setState((s) => ({ ...s, error }));
          if (isTransient(error)) timer = setTimeout(run, retryDelayMs(attempt++));
        },
      );
    };
    const onOnline = () => timer && run();
    window.addEventListener('online', onOnline);
    run();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      window.removeEventListener('online', onOnline);
    };
  }, [key]);
  return state;
}
