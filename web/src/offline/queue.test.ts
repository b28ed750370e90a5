import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/http';
import { SYNC_MAX_OPS } from '../api/limits';
import type { SyncRequest, SyncResponse } from '../types';
import { IdbOpStore, MAX_QUEUED, MemoryOpStore, OfflineQueue, QueueFull, wireOp, type OpStore } from './queue';

function okAll(outcome: 'applied' | 'duplicate' = 'applied') {
  return vi.fn(async (body: { client_id: string; ops: Record<string, unknown>[] }): Promise<SyncResponse> => ({
    results: body.ops.map((o) => ({ op_id: String(o.op_id), outcome })),
    server_time: '2026-11-22T08:10:00.000Z',
  }));
}

const codeOp = (user = 7) => ({ user_id: user, method: 'verification_code' as const, class_id: 4, code: '123456', class_name: 'Math' });

describe.each([
  ['memory', () => new MemoryOpStore() as OpStore],
  ['indexeddb', () => new IdbOpStore(new IDBFactory()) as OpStore],
])('OfflineQueue over %s', (_name, makeStore) => {
  it('enqueue stores an op with op_id and client_time', async () => {
    const q = new OfflineQueue(makeStore(), okAll(), 'dev-1');
    const before = Date.now();
    const op = await q.enqueue(codeOp());
    expect(op.op_id).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(op.kind).toBe('check_in');
    expect(Date.parse(op.client_time)).toBeGreaterThanOrEqual(before - 1);
    expect(op.client_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await q.pending(7)).toEqual([op]);
    expect(await q.pending(8)).toEqual([]);
  });

  it('flush sends the wire ops (no local fields) and removes what was answered', async () => {
    const send = okAll();
    const q = new OfflineQueue(makeStore(), send, 'dev-1');
    const a = await q.enqueue({ ...codeOp(), client_time: '2026-11-22T08:01:00.000Z' });
    const b = await q.enqueue({ ...codeOp(), client_time: '2026-11-22T08:02:00.000Z' });
    await q.enqueue(codeOp(8)); // another user's op stays
    const done = await q.flush(7);
    expect(send).toHaveBeenCalledTimes(1);
    const body = send.mock.calls[0][0];
    expect(body.client_id).toBe('dev-1');
    expect(body.ops).toEqual([wireOp(a), wireOp(b)]);
    expect(body.ops[0]).toEqual({
      op_id: a.op_id,
      kind: 'check_in',
      method: 'verification_code',
      class_id: 4,
      code: '123456',
      client_time: '2026-11-22T08:01:00.000Z',
    });
    expect(done.map((d) => d.result.outcome)).toEqual(['applied', 'applied']);
    expect(await q.pending(7)).toEqual([]);
    expect(await q.pending(8)).toHaveLength(1);
  });

  it('keeps everything when the send fails, and retries the same op_ids', async () => {
    const store = makeStore();
    const failing = vi.fn(async () => {
      throw new Error('offline');
    });
    const q1 = new OfflineQueue(store, failing, 'dev-1');
    const op = await q1.enqueue(codeOp());
    await expect(q1.flush(7)).rejects.toThrow('offline');
    expect(await q1.pending(7)).toHaveLength(1);
    const send = okAll('duplicate');
    const q2 = new OfflineQueue(store, send, 'dev-1');
    const done = await q2.flush(7);
    expect(send.mock.calls[0][0].ops[0].op_id).toBe(op.op_id);
    expect(done[0].result.outcome).toBe('duplicate');
    expect(await q2.pending(7)).toEqual([]);
  });

  it('keeps an op the server did not answer', async () => {
    const store = makeStore();
    const q = new OfflineQueue(
      store,
      async (body) => ({ results: [{ op_id: String(body.ops[0].op_id), outcome: 'rejected', error: { code: 'invalid_code', message: 'x' } }], server_time: '' }),
      'dev-1',
    );
    const first = await q.enqueue(codeOp());
    const second = await q.enqueue(codeOp());
    const done = await q.flush(7);
    expect(done).toHaveLength(1);
    expect(done[0].result.error?.code).toBe('invalid_code');
    const left = await q.pending(7);
    expect(left).toHaveLength(1);
    expect(left[0].op_id).not.toBe(done[0].op.op_id);
    expect([first.op_id, second.op_id]).toContain(left[0].op_id);
  });

  it('sends at most 500 ops per batch', async () => {
    expect(SYNC_MAX_OPS).toBe(500); // API.md §6
    const send = okAll();
    const q = new OfflineQueue(makeStore(), send, 'dev-1');
    for (let i = 0; i < SYNC_MAX_OPS + 3; i++) await q.enqueue(codeOp());
    const done = await q.flush(7);
    expect(send).toHaveBeenCalledTimes(2);
    expect(send.mock.calls[0][0].ops).toHaveLength(SYNC_MAX_OPS);
    expect(send.mock.calls[1][0].ops).toHaveLength(3);
    expect(done).toHaveLength(SYNC_MAX_OPS + 3);
  });

  it('halves the batch when the server answers 413 too_many_ops, and sends every op once', async () => {
    const limit = 100; // a server stricter than the contract says
    const sizes: number[] = [];
    const accepted: string[] = [];
    const send = vi.fn(async (body: SyncRequest): Promise<SyncResponse> => {
      sizes.push(body.ops.length);
      if (body.ops.length > limit) throw new ApiError(413, 'too_many_ops', `at most ${limit} ops`);
      accepted.push(...body.ops.map((o) => o.op_id));
      return { results: body.ops.map((o) => ({ op_id: o.op_id, outcome: 'applied' as const })), server_time: '' };
    });
    const q = new OfflineQueue(makeStore(), send, 'dev-1');
    const ops = [];
    for (let i = 0; i < 250; i++) {
      ops.push(await q.enqueue({ ...codeOp(), client_time: new Date(Date.UTC(2026, 10, 22, 8, 0, 0, i)).toISOString() }));
    }
    const done = await q.flush(7);
    // 250 (413), 125 (413), then batches of 63.
    expect(sizes).toEqual([250, 125, 63, 63, 63, 61]);
    expect(accepted).toEqual(ops.map((o) => o.op_id)); // each once, in order
    expect(done.map((d) => d.op.op_id)).toEqual(ops.map((o) => o.op_id));
    expect(await q.pending(7)).toEqual([]);
    // The smaller size is kept: the next flush does not hit the 413 again.
    for (let i = 0; i < 70; i++) await q.enqueue(codeOp());
    sizes.length = 0;
    await q.flush(7);
    expect(sizes).toEqual([63, 7]);
  });

  it('keeps the op when even one op is answered 413, and does not retry other errors', async () => {
    const tooLarge = vi.fn(async (): Promise<SyncResponse> => {
      throw new ApiError(413, 'too_many_ops', 'no');
    });
    const store = makeStore();
    const q = new OfflineQueue(store, tooLarge, 'dev-1');
    await q.enqueue(codeOp());
    await expect(q.flush(7)).rejects.toMatchObject({ status: 413, code: 'too_many_ops' });
    expect(tooLarge).toHaveBeenCalledTimes(1);
    expect(await q.pending(7)).toHaveLength(1);
    const overloaded = vi.fn(async (): Promise<SyncResponse> => {
      throw new ApiError(503, 'overloaded', 'busy');
    });
    const q2 = new OfflineQueue(store, overloaded, 'dev-1');
    await q2.enqueue(codeOp());
    await expect(q2.flush(7)).rejects.toMatchObject({ status: 503 });
    expect(overloaded).toHaveBeenCalledTimes(1);
    expect(await q2.pending(7)).toHaveLength(2);
  });

  it(`refuses a new op once ${MAX_QUEUED} are waiting, and takes one again after a flush`, async () => {
    const store = makeStore();
    const q = new OfflineQueue(store, okAll(), 'dev-1');
    for (let i = 0; i < MAX_QUEUED; i++) await q.enqueue({ ...codeOp(), code: String(100000 + i) });
    await expect(q.enqueue(codeOp())).rejects.toBeInstanceOf(QueueFull);
    await expect(q.enqueueOnce({ ...codeOp(), code: '999999' })).rejects.toBeInstanceOf(QueueFull);
    expect(await store.all()).toHaveLength(MAX_QUEUED);
    await q.flush(7);
    expect((await q.enqueueOnce({ ...codeOp(), code: '999999' })).added).toBe(true);
    expect(await store.all()).toHaveLength(1);
  });

  it('concurrent flushes share one send', async () => {
    const send = okAll();
    const q = new OfflineQueue(makeStore(), send, 'dev-1');
    await q.enqueue(codeOp());
    const [a, b] = await Promise.all([q.flush(7), q.flush(7)]);
    expect(send).toHaveBeenCalledTimes(1);
    expect(a).toBe(b);
  });

  it('enqueueOnce stores a repeated check-in once, even when the calls race', async () => {
    const send = okAll();
    const q = new OfflineQueue(makeStore(), send, 'dev-1');
    const [a, b] = await Promise.all([q.enqueueOnce(codeOp()), q.enqueueOnce(codeOp())]);
    expect([a.added, b.added].sort()).toEqual([false, true]);
    expect(a.op.op_id).toBe(b.op.op_id);
    const c = await q.enqueueOnce(codeOp());
    expect(c).toEqual({ op: a.op, added: false });
    // Another code, class or user is another check-in.
    expect((await q.enqueueOnce({ ...codeOp(), code: '654321' })).added).toBe(true);
    expect((await q.enqueueOnce({ ...codeOp(), class_id: 5 })).added).toBe(true);
    expect((await q.enqueueOnce(codeOp(8))).added).toBe(true);
    expect(await q.pending(7)).toHaveLength(3);
    await q.flush(7);
    expect(send.mock.calls[0][0].ops).toHaveLength(3);
    // Once sent, a new check-in is a new op.
    const d = await q.enqueueOnce(codeOp());
    expect(d.added).toBe(true);
    expect(d.op.op_id).not.toBe(a.op.op_id);
  });

  it('notifies listeners on every change', async () => {
    const q = new OfflineQueue(makeStore(), okAll(), 'dev-1');
    const l = vi.fn();
    q.onChange(l);
    await q.enqueue(codeOp());
    await q.flush(7);
    expect(l).toHaveBeenCalledTimes(2);
  });
});

describe('IdbOpStore', () => {
  it('survives closing the tab: a new store on the same database sees the ops', async () => {
    const factory = new IDBFactory();
    const q1 = new OfflineQueue(new IdbOpStore(factory), okAll(), 'dev-1');
    const op = await q1.enqueue({ user_id: 7, method: 'qr_code', class_id: 4, qr_token: 'tok' });
    const q2 = new OfflineQueue(new IdbOpStore(factory), okAll(), 'dev-1');
    expect(await q2.pending(7)).toEqual([op]);
  });
});
