// The offline queue: check-ins made without a connection are stored (IndexedDB in
// the browser) as sync ops (API.md §6) and sent through the sync call (`send`,
// POST /api/v1/sync) once the connection is back. An op leaves the store only
// after the server answered it.

import { ApiError } from '../api/http';
import { SYNC_MAX_OPS } from '../api/limits';
import type { CheckInSyncOp, SyncRequest, SyncResponse, SyncResult } from '../types';

export interface CheckInOp extends CheckInSyncOp {
  /** Local bookkeeping, not sent: whose op this is, and the class's name for display. */
  user_id: number;
  class_name?: string;
}

export type QueuedOp = CheckInOp;

export interface OpStore {
  all(): Promise<QueuedOp[]>;
  put(op: QueuedOp): Promise<void>;
  /**
   * Stores `op` unless a stored op matches `same`; answers the stored one then.
   * Atomic (one IndexedDB transaction), so two tabs cannot both add one.
   */
  putUnlessStored(op: QueuedOp, same: (o: QueuedOp) => boolean): Promise<QueuedOp | null>;
  remove(opIds: string[]): Promise<void>;
}

/** In memory (tests, and browsers without IndexedDB). */
export class MemoryOpStore implements OpStore {
  private ops = new Map<string, QueuedOp>();
  async all(): Promise<QueuedOp[]> {
    return [...this.ops.values()].map((o) => ({ ...o }));
  }
  async put(op: QueuedOp): Promise<void> {
    this.ops.set(op.op_id, { ...op });
  }
  async putUnlessStored(op: QueuedOp, same: (o: QueuedOp) => boolean): Promise<QueuedOp | null> {
    for (const o of this.ops.values()) if (same(o)) return { ...o };
    this.ops.set(op.op_id, { ...op });
    return null;
  }
  async remove(opIds: string[]): Promise<void> {
    for (const id of opIds) this.ops.delete(id);
  }
}

const DB_NAME = 'rollcall';
const STORE = 'ops';

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

/** IndexedDB: database `rollcall`, object store `ops` keyed by `op_id`. */
export class IdbOpStore implements OpStore {
  private db: Promise<IDBDatabase> | null = null;
  constructor(private factory: IDBFactory = globalThis.indexedDB, private name = DB_NAME) {}

  private open(): Promise<IDBDatabase> {
    if (!this.db) {
      this.db = new Promise((resolve, reject) => {
        const r = this.factory.open(this.name, 1);
        r.onupgradeneeded = () => {
          const db = r.result;
          if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'op_id' });
        };
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => {
          this.db = null;
          reject(r.error);
        };
      });
    }
    return this.db;
  }

  async all(): Promise<QueuedOp[]> {
    const db = await this.open();
    const tx = db.transaction(STORE, 'readonly');
    const ops = await req(tx.objectStore(STORE).getAll() as IDBRequest<QueuedOp[]>);
    return ops.sort((a, b) => (a.client_time < b.client_time ? -1 : a.client_time > b.client_time ? 1 : 0));
  }

  async put(op: QueuedOp): Promise<void> {
    const db = await this.open();
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(op);
    await done(tx);
  }

  async putUnlessStored(op: QueuedOp, same: (o: QueuedOp) => boolean): Promise<QueuedOp | null> {
    const db = await this.open();
    const tx = db.transaction(STORE, 'readwrite');
    const s = tx.objectStore(STORE);
    let found: QueuedOp | null = null;
    const finished = done(tx);
    const all = s.getAll() as IDBRequest<QueuedOp[]>;
    // Decide and write in the request's callback, while the transaction is active.
    all.onsuccess = () => {
      found = all.result.find(same) ?? null;
      if (!found) s.put(op);
    };
    await finished;
    return found;
  }

  async remove(opIds: string[]): Promise<void> {
    if (!opIds.length) return;
    const db = await this.open();
    const tx = db.transaction(STORE, 'readwrite');
    const s = tx.objectStore(STORE);
    for (const id of opIds) s.delete(id);
    await done(tx);
  }
}

export function newOpId(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const b = new Uint8Array(16);
  if (c) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** The body of one op as the server wants it (local fields removed). */
export function wireOp(op: QueuedOp): CheckInSyncOp {
  const { user_id: _u, class_name: _n, ...wire } = op;
  return wire;
}

export interface FlushedOp {
  op: QueuedOp;
  result: SyncResult;
}

export type SendSync = (body: SyncRequest) => Promise<SyncResponse>;

/** Error thrown by `send` that means the batch must be kept and retried later. */
export class RetryLater extends Error {}

/** `send` failed because the batch was too big (`413 too_many_ops` or `body_too_large`). */
function batchTooLarge(e: unknown): boolean {
  return e instanceof ApiError && e.status === 413;
}

/**
 * At most this many ops wait on one device; beyond, a new check-in is refused.
 * The app's own cap (not a server limit): it bounds the device's storage.
 */
export const MAX_QUEUED = 1000;

/** Thrown by `enqueue`/`enqueueOnce` when MAX_QUEUED ops are already waiting. */
export class QueueFull extends Error {
  constructor() {
    super(`${MAX_QUEUED} check-ins are already waiting to be sent`);
  }
}

export class OfflineQueue {
  private flushing: Promise<FlushedOp[]> | null = null;
  private listeners = new Set<() => void>();
  /** Ops per sync call: the contract's maximum, halved for good after a 413. */
  private batchSize = SYNC_MAX_OPS;

  constructor(
    private store: OpStore,
    private send: SendSync,
    private clientId: string,
  ) {}

  onChange(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Tells the listeners the queue changed (also used when another tab changed it). */
  notify(): void {
    for (const l of this.listeners) l();
  }

  async enqueue(op: Omit<CheckInOp, 'op_id' | 'client_time' | 'kind'> & Partial<CheckInOp>): Promise<QueuedOp> {
    const full = {
      ...op,
      kind: 'check_in',
      op_id: op.op_id ?? newOpId(),
      client_time: op.client_time ?? new Date().toISOString(),
    } as QueuedOp;
    await this.ensureRoom();
    await this.store.put(full);
    this.notify();
    return full;
  }

  /**
   * Like `enqueue`, but a check-in that is already waiting (same user, class and
   * code or QR token: a double click, a resubmit, another tab) is not stored
   * twice: the waiting op is answered with `added: false`.
   */
  async enqueueOnce(
    op: Omit<CheckInOp, 'op_id' | 'client_time' | 'kind'> & Partial<CheckInOp>,
  ): Promise<{ op: QueuedOp; added: boolean }> {
    const full = {
      ...op,
      kind: 'check_in',
      op_id: op.op_id ?? newOpId(),
      client_time: op.client_time ?? new Date().toISOString(),
    } as QueuedOp;
    await this.ensureRoom();
    const existing = await this.store.putUnlessStored(
      full,
      (o) =>
        o.user_id === full.user_id &&
        o.kind === full.kind &&
        o.class_id === full.class_id &&
        o.method === full.method &&
        (o.code ?? null) === (full.code ?? null) &&
        (o.qr_token ?? null) === (full.qr_token ?? null),
    );
    if (existing) return { op: existing, added: false };
    this.notify();
    return { op: full, added: true };
  }

  private async ensureRoom(): Promise<void> {
    if ((await this.store.all()).length >= MAX_QUEUED) throw new QueueFull();
  }

  async pending(userId: number): Promise<QueuedOp[]> {
    return (await this.store.all()).filter((o) => o.user_id === userId);
  }

  /**
   * Sends the user's queued ops (in batches of at most SYNC_MAX_OPS). Ops are
   * removed once the server answered them (any outcome: `rejected` ops would be
   * rejected again). A batch answered 413 (too many ops, too large) is halved and
   * sent again, so the app does not depend on the exact limit. Any other failed
   * send keeps everything not yet answered; it throws so the caller can retry
   * later. Concurrent calls share one flush.
   */
  flush(userId: number): Promise<FlushedOp[]> {
    if (this.flushing) return this.flushing;
    this.flushing = this.doFlush(userId).finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async doFlush(userId: number): Promise<FlushedOp[]> {
    const out: FlushedOp[] = [];
    const ops = await this.pending(userId);
    for (let i = 0; i < ops.length; ) {
      const batch = ops.slice(i, i + this.batchSize);
      let res: SyncResponse;
      try {
        res = await this.send({ client_id: this.clientId, ops: batch.map(wireOp) });
      } catch (e) {
        if (!batchTooLarge(e) || batch.length <= 1) throw e;
        this.batchSize = Math.ceil(batch.length / 2);
        continue;
      }
      i += batch.length;
      const byId = new Map(res.results.map((r) => [r.op_id, r]));
      const answered: string[] = [];
      for (const op of batch) {
        const r = byId.get(op.op_id);
        if (!r) continue;
        answered.push(op.op_id);
        out.push({ op, result: r });
      }
      await this.store.remove(answered);
      this.notify();
    }
    return out;
  }
}
