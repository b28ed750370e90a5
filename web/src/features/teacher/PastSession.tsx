import { useEffect, useState } from 'preact/hooks';
import { getAttendance } from '../../api/client';
import { errorText } from '../../errors';
import { countRecords } from '../../live/roster';
import type { AttendanceRecord } from '../../types';
import { CountsBar, ErrorText, SubPageHead } from '../../ui/common';
import { fmtDate, fmtTime } from '../../ui/format';
import { useRetrying } from '../../ui/useRetrying';
import { Roster } from './Roster';
import { historyPath } from './routes';

const NO_FLASH = new Map<number, number>();

/** One session of the class's history: its roster, corrected with the same override and bulk tools. */
export function PastSession({ classId, sessionId }: { classId: number; sessionId: number }) {
  const { data, error } = useRetrying(() => getAttendance(sessionId), sessionId);
  const [records, setRecords] = useState<AttendanceRecord[]>([]);
  useEffect(() => {
    if (data) setRecords(data.records);
  }, [data]);
  const merge = (changed: AttendanceRecord[]) =>
    setRecords((cur) => cur.map((r) => changed.find((c) => c.student_id === r.student_id) ?? r));
  const session = data?.session ?? null;
  const wrongClass = session !== null && session.class_id !== classId;
  const title = session ? `${session.class_name}: session of ${fmtDate(session.starts_at)}` : 'Session';
  return (
    <div class="page past-session">
      <SubPageHead title={title} back={historyPath(classId)} backLabel="Back to the history" />
      <ErrorText error={error ? errorText(error, 'session') : null} />
      {wrongClass && <p class="error">This session belongs to another class.</p>}
      {!data && !error && <p class="muted">Loading the session…</p>}
      {session && !wrongClass && (
        <>
          <p>
            Started {fmtTime(session.starts_at)}
            {session.closed_at ? `, closed ${fmtTime(session.closed_at)}` : ', still open'} · late after {session.late_after_minutes} min.
            Corrections are saved at once and kept in the audit log.
          </p>
          <CountsBar counts={countRecords(records)} />
          <Roster session={session} records={records} flash={NO_FLASH} onRecords={merge} />
        </>
      )}
    </div>
  );
}
