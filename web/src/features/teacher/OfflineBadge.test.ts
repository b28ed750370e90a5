import type { VNode } from 'preact';
import { describe, expect, it } from 'vitest';
import { rec } from '../../live/fixtures';
import type { AuditEntry } from '../../types';
import { fmtTime } from '../../ui/format';
import { AuditTable } from './AuditTable';
import { RosterRow } from './RosterRow';

type Node = VNode<Record<string, unknown>>;

/** Expands function components and collects every element whose props match `pred`. */
function find(node: unknown, pred: (props: Record<string, unknown>) => boolean, out: Node[] = []): Node[] {
  if (Array.isArray(node)) {
    for (const n of node) find(n, pred, out);
    return out;
  }
  if (!node || typeof node !== 'object' || !('type' in node)) return out;
  const v = node as Node;
  if (typeof v.type === 'function') {
    return find((v.type as (p: unknown) => unknown)(v.props), pred, out);
  }
  if (pred(v.props)) out.push(v);
  return find(v.props.children, pred, out);
}

const badges = (tree: unknown) => find(tree, (p) => p['data-testid'] === 'offline-badge');
const noop = () => {};
const row = (r: ReturnType<typeof rec>) =>
  RosterRow({ record: r, selected: false, onToggle: noop, flash: undefined, onOverride: noop, onQuick: noop, note: undefined, busy: false });

describe('offline badge', () => {
  const syncedAt = '2026-11-22T09:30:05.123Z';

  it('marks a roster row whose record came from sync, with when it was received', () => {
    const tree = row(rec(7, 'present', { offline: true, synced_at: syncedAt }));
    const [badge, ...more] = badges(tree);
    expect(more).toEqual([]);
    expect(badge.props.children).toBe('offline');
    expect(badge.props.title).toContain(fmtTime(syncedAt));
    expect(badge.props.title).toMatch(/offline device/);
    expect((tree as Node).props['data-offline']).toBe('true');
  });

  it('leaves a live record unmarked', () => {
    const tree = row(rec(8, 'late'));
    expect(badges(tree)).toEqual([]);
    expect((tree as Node).props['data-offline']).toBe('false');
  });

  it('marks audit entries from sync and only those', () => {
    const entry = (offline: boolean | undefined): AuditEntry => ({
      at: syncedAt,
      actor_id: 7,
      student_id: 7,
      from: 'unmarked',
      to: 'present',
      method: 'verification_code',
      reason: null,
      ...(offline === undefined ? {} : { offline }),
    });
    const tree = AuditTable({ entries: [entry(true), entry(false), entry(undefined)], names: new Map() });
    const rows = find(tree, (p) => p['data-testid'] === 'audit-entry');
    expect(rows.map((r) => r.props['data-offline'])).toEqual(['true', 'false', 'false']);
    expect(rows.map((r) => badges(r).length)).toEqual([1, 0, 0]);
  });
});
