import { useMemo, useState } from 'preact/hooks';
import { bulkUpdate } from '../../api/client';
import { errorText } from '../../errors';
import { STATUS_LABEL } from '../../live/roster';
import type { AttendanceRecord, BulkRequest, Session, Status } from '../../types';
import { ErrorText } from '../../ui/common';
import { BulkToolbar } from './BulkToolbar';
import { MarkRemainingDialog } from './MarkRemainingDialog';
import { OverrideDialog } from './OverrideDialog';
import { RosterTable } from './RosterTable';

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

  const ids = useMemo(() => new Set(records.map((r) => r.student_id)), [records]);
  const sel = [...selected].filter((id) => ids.has(id));
  const unmarked = records.filter((r) => r.attendance_status === 'unmarked').length;

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
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorText error={error} />
      <RosterTable records={records} selected={selected} onSelected={setSelected} flash={flash} onOverride={setEditing} />
      {editing && (
        <OverrideDialog
          session={session}
          record={editing}
          onClose={() => setEditing(null)}
          onSaved={(rec) => {
            onRecords([rec]);
            setEditing(null);
            setNotice(`${rec.student_name} marked ${STATUS_LABEL[rec.attendance_status].toLowerCase()}.`);
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
