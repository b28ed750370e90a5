import { useEffect, useState } from 'preact/hooks';
import { loadAuth } from '../../auth';
import type { QueuedOp } from '../../offline/queue';
import { queue } from './syncQueue';

/** The signed-in student's queued ops, kept up to date (also across tabs). */
export function usePending(): QueuedOp[] {
  const [ops, setOps] = useState<QueuedOp[]>([]);
  useEffect(() => {
    let alive = true;
    const q = queue();
    const load = () => {
      const a = loadAuth();
      if (!a) return setOps([]);
      q.pending(a.user.id)
        .then((o) => alive && setOps(o))
        .catch(() => undefined);
    };
    load();
    const off = q.onChange(load);
    return () => {
      alive = false;
      off();
    };
  }, []);
  return ops;
}
