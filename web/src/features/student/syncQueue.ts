// The student's use of the offline queue: one queue per tab over IndexedDB, shared
// with the other tabs, flushed through the sync call when the connection is back.

import { sync } from '../../api/client';
import { loadAuth } from '../../auth';
import { IdbOpStore, MemoryOpStore, OfflineQueue, type FlushedOp, type OpStore } from '../../offline/queue';
import { addOutcomes, clientId } from '../../storage';
import { describeSync } from './words';

function makeStore(): OpStore {
  try {
    if (typeof indexedDB !== 'undefined') return new IdbOpStore(indexedDB);
  } catch {
    /* fall through */
  }
  return new MemoryOpStore();
}

let queueInstance: OfflineQueue | null = null;
let channel: BroadcastChannel | null = null;

export function queue(): OfflineQueue {
  if (!queueInstance) {
    queueInstance = new OfflineQueue(makeStore(), sync, clientId());
    if (typeof BroadcastChannel !== 'undefined') {
      channel = new BroadcastChannel('rollcall-queue');
      // Another tab changed the queue: let this tab's listeners re-read it.
      channel.onmessage = () => queueInstance?.notify();
    }
  }
  return queueInstance;
}

/** Tells the other tabs the queue changed. */
export function broadcast(): void {
  try {
    channel?.postMessage('changed');
  } catch {
    /* closed */
  }
}

export function isOffline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false;
}

type FlushListener = (done: FlushedOp[]) => void;
const flushListeners = new Set<FlushListener>();
export function onFlushed(l: FlushListener): () => void {
  flushListeners.add(l);
  return () => flushListeners.delete(l);
}

/** Sends the queued ops of the signed-in user, if any. Never throws. */
export async function flushQueue(): Promise<FlushedOp[]> {
  const auth = loadAuth();
  if (!auth || auth.user.role !== 'student') return [];
  const q = queue();
  if (!(await q.pending(auth.user.id)).length) return [];
  let done: FlushedOp[];
  try {
    done = await q.flush(auth.user.id);
  } catch {
    return []; // kept; retried later
  }
  if (done.length) {
    addOutcomes(
      auth.user.id,
      done.map((f) => ({ op_id: f.op.op_id, class_id: f.op.class_id, client_time: f.op.client_time, at: Date.now(), ...describeSync(f) })),
    );
    broadcast();
    for (const l of flushListeners) l(done);
  }
  return done;
}

let flushTimer: ReturnType<typeof setInterval> | null = null;

/** Flushes on start, when the browser comes online, and every few seconds while ops wait. */
export function startAutoFlush(): void {
  if (flushTimer || typeof window === 'undefined') return;
  window.addEventListener('online', () => void flushQueue());
  flushTimer = setInterval(() => {
    if (!isOffline()) void flushQueue();
  }, 3_000);
  void flushQueue();
}
