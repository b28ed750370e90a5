import { useMemo, useState } from 'preact/hooks';
import { bulkUpdate } from '../../api/client';
import { errorText } from '../../errors';
import { STATUS_LABEL } from '../../live/roster';
import type { AttendanceRecord, BulkRequest, Session, Status } from '../../types';
import { ErrorText } from '../../ui/common';
import { BulkToolbar } from './BulkToolbar';
import { MarkRemainingDialog } from './MarkRemainingDialog';
import { OverrideDialog } from './OverrideDialog';
import { RosterFilter } from './RosterFilter';
import { RosterTable } from './RosterTable';
import { useRowChanges } from './useRowChanges';

/** The session's roster: selection, bulk changes, and one student's override. */
export function Roster({
  session,
  records,
  flash,
  onRecords,
}: {
  session: Session;
  records: AttendanceRecord[];
  flash: Map<number, number>;
  onRecords: (r: AttendanceRecord[]) => void;
}) {
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [editing, setEditing] = useState<AttendanceRecord | null>(null);
  const [confirmRemaining, setConfirmRemaining] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const rows = useRowChanges(session, onRecords);
  const [onlyUnmarked, setOnlyUnmarked] = useState(false);
  // Students marked from the filtered list stay in it (with their note) until the filter is switched.
  const [kept, setKept] = useState<Set<number>>(new Set());
  const filter = (on: boolean) => {
    setOnlyUnmarked(on);
    setKept(new Set());
  };
  const keep = (id: number) => onlyUnmarked && setKept((k) => new Set(k).add(id));

  const ids = useMemo(() => new Set(records.map((r) => r.student_id)), [records]);
  const sel = [...selected].filter((id) => ids.has(id));
  const unmarked = records.filter((r) => r.attendance_status === 'unmarked').length;
  const shown = onlyUnmarked ? records.filter((r) => r.attendance_status === 'unmarked' || kept.has(r.student_id)) : records;

  async function bulk(body: BulkRequest, what: string) {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const r = await bulkUpdate(session.id, body);
      onRecords(r.records);
      setNotice(`${what}: ${r.updated} student${r.updated === 1 ? '' : 's'} updated.`);
      setSelected(new Set());
    } catch (e) {
      setError(errorText(e, 'bulk'));
    } finally {
      setBusy(false);
      setConfirmRemaining(false);
    }
  }
  const applyToSelected = (status: Status) =>
    bulk({ updates: sel.map((id) => ({ student_id: id, status, reason: null })) }, `Set to ${STATUS_LABEL[status].toLowerCase()}`);

  return (
    <section class="card roster" id="roster">
      <h2>Roster</h2>
      <BulkToolbar
        busy={busy}
        selected={sel.length}
        unmarked={unmarked}
        onApply={applyToSelected}
        onMarkRemaining={() => setConfirmRemaining(true)}
      />
      <RosterFilter on={onlyUnmarked} unmarked={unmarked} onChange={filter} />
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorText error={error} />
      <RosterTable
        records={shown}
        selected={selected}
        onSelected={setSelected}
        flash={flash}
        onOverride={(r) => {
          keep(r.student_id);
          setEditing(r);
        }}
        onQuick={(r, s) => {
          keep(r.student_id);
          void rows.quick(r, s);
        }}
        notes={rows.notes}
        busyIds={rows.busyIds}
      />
      {editing && (
        <OverrideDialog
          session={session}
          record={editing}
          onClose={() => setEditing(null)}
          onSaved={(rec) => {
            onRecords([rec]);
            setEditing(null);
            rows.saved(rec);
          }}
        />
      )}
      {confirmRemaining && (
        <MarkRemainingDialog
          unmarked={unmarked}
          busy={busy}
          onCancel={() => setConfirmRemaining(false)}
          onConfirm={() => bulk({ mark_remaining: 'absent' }, 'Marked remaining absent')}
        />
      )}
    </section>
  );
}
