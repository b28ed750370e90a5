import { useState } from 'preact/hooks';
import { overrideAttendance } from '../../api/client';
import { REASON_MAX_BYTES } from '../../api/limits';
import { errorText } from '../../errors';
import { STATUS_LABEL } from '../../live/roster';
import type { AttendanceRecord, Session, Status } from '../../types';
import { ErrorText, Modal } from '../../ui/common';
import { SETTABLE } from './labels';

/** Sets one student's status, with an optional reason. */
export function OverrideDialog({
  session,
  record,
  onClose,
  onSaved,
}: {
  session: Session;
  record: AttendanceRecord;
  onClose: () => void;
  onSaved: (r: AttendanceRecord) => void;
}) {
  // A student not marked yet most often turned up late or is away: Present is
  // the neutral start (Excused made a teacher undo it when they only wanted a reason).
  const [status, setStatus] = useState<Status>(record.attendance_status === 'unmarked' ? 'present' : record.attendance_status);
  const [reason, setReason] = useState(record.override_reason ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const why = reason.trim();
      onSaved(await overrideAttendance(session.id, record.student_id, { status, reason: why === '' ? null : why }));
    } catch (err) {
      setError(errorText(err, 'override'));
      setBusy(false);
    }
  }
  return (
    <Modal title={`Override ${record.student_name}`} onClose={onClose}>
      <form onSubmit={save}>
        <label class="field">
          Status
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value as Status)}>
            {SETTABLE.map((s) => (
              <option value={s} key={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          Reason
          {/* maxLength counts characters, the server bytes: a longer non-ASCII
              reason is refused (422 invalid_field) and the error says so. */}
          <input
            type="text"
            value={reason}
            maxLength={REASON_MAX_BYTES}
            placeholder="optional, e.g. doctor's note"
            onInput={(e) => setReason((e.target as HTMLInputElement).value)}
          />
        </label>
        <ErrorText error={error} />
        <div class="row end">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            Save override
          </button>
        </div>
      </form>
    </Modal>
  );
}
