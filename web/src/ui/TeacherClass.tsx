import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, apiBlob, get, post, put } from '../api';
import { errorMessage, type ErrorContext } from '../errors';
import { sortedRecords, STATUS_LABEL } from '../live/roster';
import { linkTo } from '../router';
import { fmtTime } from '../student';
import type {
  AttendanceRecord,
  AuditEntry,
  BulkResponse,
  BulkUpdate,
  ClassDetail,
  QrInfo,
  Session,
  Status,
} from '../types';
import { ConnectionBadge, CountsBar, ErrorText, liveCounts, Modal, useLiveFeed } from './common';

const METHOD_LABEL: Record<string, string> = {
  qr_code: 'QR code',
  verification_code: 'Code',
  teacher_override: 'Teacher',
  bulk: 'Bulk',
  session_close: 'Session close',
};

const SETTABLE: Status[] = ['present', 'late', 'absent', 'excused'];

function errText(e: unknown, ctx: ErrorContext): string {
  if (e instanceof ApiError) return errorMessage(e.code, ctx, e.message);
  return 'Something went wrong.';
}

export function TeacherClass({ classId }: { classId: number }) {
  const live = useLiveFeed(classId);
  const [detail, setDetail] = useState<ClassDetail | null>(null);
  const [detailError, setDetailError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stop = false;
    get<ClassDetail>(`/api/v1/classes/${classId}`)
      .then((d) => !stop && setDetail(d))
      .catch((e) => !stop && setDetailError(errText(e, 'general')));
    return () => {
      stop = true;
    };
  }, [classId]);
  useEffect(() => {
    if (detail && live.feed) live.feed.setStudents((detail.students ?? []).map((s) => [s.id, s.name]));
  }, [detail, live.feed]);

  const state = live.state;
  const session = state?.session ?? null;
  const counts = liveCounts(state);
  const className = detail?.name ?? session?.class_name ?? `Class ${classId}`;

  return (
    <div class="page teacher-class">
      <div class="page-head">
        <a href="/" onClick={linkTo('/')} class="back">
          ← My classes
        </a>
        <h1>{className}</h1>
        <ConnectionBadge status={live.status} />
      </div>
      <ErrorText error={live.error ?? detailError} />
      <div class="sr-only" aria-live="polite" aria-atomic="true" data-testid="announcer">
        {live.announcement}
      </div>
      {!state || state.epoch === null ? (
        // No snapshot yet: the session and roster are unknown (not "no session").
        live.error || detailError ? null : (
          <p class="muted">
            {live.status === 'offline' ? 'Offline: the roster shows once the connection is back.' : 'Connecting to the live feed…'}
          </p>
        )
      ) : (
        <>
          <SessionControls
            classId={classId}
            session={session}
            unmarked={counts?.unmarked ?? 0}
            onNotice={setNotice}
            onError={setError}
          />
          {notice && (
            <p class="notice" role="status">
              {notice}
            </p>
          )}
          <ErrorText error={error} />
          {session && session.status === 'open' && <CodeAndQr session={session} />}
          {session && counts && <CountsBar counts={counts} />}
          {session && (
            <Roster
              session={session}
              records={sortedRecords(state)}
              flash={live.flash}
              onRecords={(recs) => live.feed?.mergeRest(recs)}
            />
          )}
          {session && <AuditPanel session={session} detail={detail} version={state.seq} />}
        </>
      )}
      <CsvExport classId={classId} />
      {detail?.join_code && (
        <p class="muted small">
          Join code for new students: <code>{detail.join_code}</code>
        </p>
      )}
    </div>
  );
}

function SessionControls({
  classId,
  session,
  unmarked,
  onNotice,
  onError,
}: {
  classId: number;
  session: Session | null;
  unmarked: number;
  onNotice: (s: string | null) => void;
  onError: (s: string | null) => void;
}) {
  const [late, setLate] = useState(5);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);

  async function start() {
    setBusy(true);
    onError(null);
    onNotice(null);
    try {
      await post<Session>(`/api/v1/classes/${classId}/sessions`, { late_after_minutes: late });
      onNotice(`Session started. Students are late after ${late} min.`);
    } catch (e) {
      onError(errText(e, 'session'));
    } finally {
      setBusy(false);
    }
  }

  async function close() {
    if (!session) return;
    setBusy(true);
    onError(null);
    try {
      const r = await post<{ session: Session; marked_absent: number }>(`/api/v1/sessions/${session.id}/close`);
      onNotice(`Session closed. ${r.marked_absent} student${r.marked_absent === 1 ? '' : 's'} marked absent.`);
    } catch (e) {
      onError(errText(e, 'session'));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  if (!session || session.status === 'closed') {
    return (
      <section class="card session-controls">
        <p>
          {session ? (
            <>
              Last session closed at {fmtTime(session.closed_at)} (started {fmtTime(session.starts_at)}).
            </>
          ) : (
            'No session is open.'
          )}
        </p>
        <div class="row">
          <label>
            Late after{' '}
            <select value={late} onChange={(e) => setLate(Number((e.target as HTMLSelectElement).value))}>
              {[0, 1, 2, 5, 10, 15, 20, 30, 45, 60].map((m) => (
                <option value={m} key={m}>
                  {m} min
                </option>
              ))}
            </select>
          </label>
          <button class="primary" onClick={start} disabled={busy}>
            Start session
          </button>
        </div>
      </section>
    );
  }
  return (
    <section class="card session-controls">
      <p>
        Session open since {fmtTime(session.starts_at)} · late after {session.late_after_minutes} min
      </p>
      <button class="danger" onClick={() => setConfirming(true)} disabled={busy}>
        Close session
      </button>
      {confirming && (
        <Modal title="Close the session?" onClose={() => setConfirming(false)}>
          <p data-testid="close-confirm-text">
            {unmarked === 0
              ? 'Every student has a status: nobody will be marked absent.'
              : `${unmarked} student${unmarked === 1 ? ' has' : 's have'} not checked in and will be marked absent.`}
          </p>
          <div class="row end">
            <button onClick={() => setConfirming(false)}>Cancel</button>
            <button class="danger" onClick={close} disabled={busy}>
              Yes, close it
            </button>
          </div>
        </Modal>
      )}
    </section>
  );
}

/** The verification code and the rotating QR code, with a projector mode. */
function CodeAndQr({ session }: { session: Session }) {
  const [qrUrl, setQrUrl] = useState<string | null>(null);
  const [info, setInfo] = useState<QrInfo | null>(null);
  const [qrError, setQrError] = useState<string | null>(null);
  const [projector, setProjector] = useState(false);
  const projRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let current: string | null = null;
    const load = async () => {
      let next = 15_000;
      try {
        const i = await get<QrInfo>(`/api/v1/sessions/${session.id}/qr`);
        const { blob } = await apiBlob(`/api/v1/sessions/${session.id}/qr.svg`, 'image/svg+xml');
        if (stopped) return;
        const url = URL.createObjectURL(blob.type ? blob : new Blob([blob], { type: 'image/svg+xml' }));
        if (current) URL.revokeObjectURL(current);
        current = url;
        setQrUrl(url);
        setInfo(i);
        setQrError(null);
        const rotates = i.rotates_at ? Date.parse(i.rotates_at) : NaN;
        const expires = Date.parse(i.expires_at);
        const period = Number.isFinite(rotates) && Number.isFinite(expires) ? Math.max(1000, expires - rotates) : 15_000;
        // Fetch the next code just after it appears; never wait longer than one
        // rotation (a token is accepted for its window and the next, so a clock
        // difference with the server costs nothing).
        next = Number.isFinite(rotates) ? Math.min(period, Math.max(500, rotates - Date.now() + 150)) : period;
      } catch (e) {
        if (stopped) return;
        if (e instanceof ApiError && e.code === 'session_closed') return;
        setQrError(errText(e, 'session'));
        next = 2_000;
      }
      if (!stopped) timer = setTimeout(load, next);
    };
    void load();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (current) URL.revokeObjectURL(current);
    };
  }, [session.id]);

  useEffect(() => {
    if (!projector) return;
    const el = projRef.current;
    el?.requestFullscreen?.().catch(() => {
      /* the overlay covers the window anyway */
    });
    const onFs = () => {
      if (!document.fullscreenElement) setProjector(false);
    };
    document.addEventListener('fullscreenchange', onFs);
    return () => {
      document.removeEventListener('fullscreenchange', onFs);
      if (document.fullscreenElement) void document.exitFullscreen?.().catch(() => undefined);
    };
  }, [projector]);

  const code = session.verification_code ?? '';
  const qr = qrUrl ? (
    <img
      data-testid="qr-image"
      src={qrUrl}
      alt="QR code to check in"
      data-check-in-url={info?.check_in_url ?? ''}
      class="qr"
    />
  ) : (
    <div class="qr placeholder">Loading QR code…</div>
  );
  return (
    <section class="card code-qr">
      <div class="code-block">
        <div class="label">Verification code</div>
        <div class="code" data-testid="verification-code" aria-label={`verification code ${code.split('').join(' ')}`}>
          {code}
        </div>
        <button onClick={() => setProjector(true)}>Projector mode</button>
      </div>
      <div class="qr-block">{qr}</div>
      <ErrorText error={qrError} />
      {projector && (
        <div class="projector" ref={projRef} role="dialog" aria-modal="true" aria-label="Projector mode">
          <div class="proj-inner">
            <div class="proj-title">{session.class_name}: check in</div>
            <div class="proj-code">{code}</div>
            {qrUrl && <img src={qrUrl} alt="QR code to check in" class="proj-qr" />}
            <button class="proj-exit" onClick={() => setProjector(false)}>
              Exit projector
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

function Roster({
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
  const [bulkStatus, setBulkStatus] = useState<Status>('present');
  const [editing, setEditing] = useState<AttendanceRecord | null>(null);
  const [confirmRemaining, setConfirmRemaining] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const ids = useMemo(() => new Set(records.map((r) => r.student_id)), [records]);
  const sel = [...selected].filter((id) => ids.has(id));
  const unmarked = records.filter((r) => r.attendance_status === 'unmarked').length;
  const allSelected = records.length > 0 && sel.length === records.length;

  function toggle(id: number) {
    const s = new Set(selected);
    if (s.has(id)) s.delete(id);
    else s.add(id);
    setSelected(s);
  }

  async function bulk(body: { updates?: BulkUpdate[]; mark_remaining?: Status }, what: string) {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const r = await post<BulkResponse>(`/api/v1/sessions/${session.id}/attendance/bulk`, body);
      onRecords(r.records);
      setNotice(`${what}: ${r.updated} student${r.updated === 1 ? '' : 's'} updated.`);
      setSelected(new Set());
    } catch (e) {
      setError(errText(e, 'bulk'));
    } finally {
      setBusy(false);
      setConfirmRemaining(false);
    }
  }

  return (
    <section class="card roster">
      <div class="toolbar">
        <div class="row">
          <label>
            Set selected to{' '}
            <select value={bulkStatus} onChange={(e) => setBulkStatus((e.target as HTMLSelectElement).value as Status)}>
              {SETTABLE.map((s) => (
                <option value={s} key={s}>
                  {STATUS_LABEL[s]}
                </option>
              ))}
            </select>
          </label>
          <button
            disabled={busy || sel.length === 0}
            onClick={() =>
              bulk(
                { updates: sel.map((id) => ({ student_id: id, status: bulkStatus, reason: null })) },
                `Set to ${STATUS_LABEL[bulkStatus].toLowerCase()}`,
              )
            }
          >
            Apply to selected ({sel.length})
          </button>
        </div>
        <button disabled={busy || unmarked === 0} onClick={() => setConfirmRemaining(true)}>
          Mark remaining absent
        </button>
      </div>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorText error={error} />
      <table class="roster-table">
        <thead>
          <tr>
            <th>
              <input
                type="checkbox"
                aria-label="Select all students"
                checked={allSelected}
                onChange={() => setSelected(allSelected ? new Set() : new Set(records.map((r) => r.student_id)))}
              />
            </th>
            <th>Student</th>
            <th>Status</th>
            <th>Check-in</th>
            <th>Late</th>
            <th>Method</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr
              key={r.student_id}
              data-testid="student-row"
              data-student-id={r.student_id}
              data-status={r.attendance_status}
              data-check-in-time={r.check_in_time ?? ''}
              data-override={r.is_manual_override ? 'true' : 'false'}
              class={`st-${r.attendance_status}${flash.has(r.student_id) ? ` flash flash${(flash.get(r.student_id) ?? 0) % 2}` : ''}`}
            >
              <td>
                <input
                  type="checkbox"
                  aria-label={`Select ${r.student_name}`}
                  checked={selected.has(r.student_id)}
                  onChange={() => toggle(r.student_id)}
                />
              </td>
              <td class="name">{r.student_name}</td>
              <td>
                <span class={`badge b-${r.attendance_status}`}>{STATUS_LABEL[r.attendance_status]}</span>
                {r.is_manual_override && (
                  <span class="badge b-override" title={r.override_reason ?? 'set by a teacher'}>
                    override
                  </span>
                )}
                {r.override_reason && <div class="reason small muted">{r.override_reason}</div>}
              </td>
              <td class="time">{fmtTime(r.check_in_time)}</td>
              <td>{r.attendance_status === 'late' || r.late_minutes > 0 ? `${r.late_minutes} min` : ''}</td>
              <td class="small">{r.verification_method ? METHOD_LABEL[r.verification_method] ?? r.verification_method : '—'}</td>
              <td>
                <button class="small-btn" aria-label={`Override ${r.student_name}`} onClick={() => setEditing(r)}>
                  Override
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {editing && (
        <OverrideModal
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
        <Modal title="Mark remaining absent?" onClose={() => setConfirmRemaining(false)}>
          <p>
            {unmarked} student{unmarked === 1 ? ' who has' : 's who have'} not checked in will be marked absent.
          </p>
          <div class="row end">
            <button onClick={() => setConfirmRemaining(false)}>Cancel</button>
            <button class="danger" disabled={busy} onClick={() => bulk({ mark_remaining: 'absent' }, 'Marked remaining absent')}>
              Mark {unmarked} absent
            </button>
          </div>
        </Modal>
      )}
    </section>
  );
}

function OverrideModal({
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
  const [status, setStatus] = useState<Status>(record.attendance_status === 'unmarked' ? 'excused' : record.attendance_status);
  const [reason, setReason] = useState(record.override_reason ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await put<AttendanceRecord>(`/api/v1/sessions/${session.id}/attendance/${record.student_id}`, {
        status,
        reason: reason.trim() === '' ? null : reason.trim(),
      });
      onSaved(r);
    } catch (err) {
      setError(errText(err, 'override'));
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
          <input
            type="text"
            value={reason}
            maxLength={500}
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

function AuditPanel({ session, detail, version }: { session: Session; detail: ClassDetail | null; version: number }) {
  const [open, setOpen] = useState(false);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const names = useMemo(() => {
    const m = new Map<number, string>();
    for (const t of detail?.teachers ?? []) m.set(t.id, t.name);
    for (const s of detail?.students ?? []) m.set(s.id, s.name);
    return m;
  }, [detail]);
  useEffect(() => {
    if (!open) return;
    let stop = false;
    const t = setTimeout(() => {
      get<{ entries: AuditEntry[] }>(`/api/v1/sessions/${session.id}/audit`)
        .then((r) => !stop && (setEntries(r.entries), setError(null)))
        .catch((e) => !stop && setError(errText(e, 'general')));
    }, 150);
    return () => {
      stop = true;
      clearTimeout(t);
    };
  }, [open, session.id, version]);
  const who = (id: number) => names.get(id) ?? `#${id}`;
  return (
    <section class="card audit">
      <button aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Hide audit log' : 'Show audit log'}
      </button>
      {open && (
        <>
          <ErrorText error={error} />
          {entries === null ? (
            <p class="muted">Loading…</p>
          ) : entries.length === 0 ? (
            <p class="muted">No changes yet.</p>
          ) : (
            <table class="audit-table" data-testid="audit-table">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Student</th>
                  <th>Change</th>
                  <th>How</th>
                  <th>By</th>
                  <th>Reason</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e, i) => (
                  <tr key={i} data-testid="audit-entry">
                    <td>{fmtTime(e.at)}</td>
                    <td>{who(e.student_id)}</td>
                    <td>
                      {STATUS_LABEL[e.from] ?? e.from} → {STATUS_LABEL[e.to] ?? e.to}
                    </td>
                    <td>{e.method ? METHOD_LABEL[e.method] ?? e.method : ''}</td>
                    <td>{e.actor_id === e.student_id ? 'the student' : who(e.actor_id)}</td>
                    <td>{e.reason ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

function CsvExport({ classId }: { classId: number }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function download(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const q = new URLSearchParams();
      if (from) q.set('from', from);
      if (to) q.set('to', to);
      const qs = q.toString();
      const { blob, res } = await apiBlob(`/api/v1/classes/${classId}/attendance.csv${qs ? `?${qs}` : ''}`, 'text/csv');
      const cd = res.headers.get('Content-Disposition') ?? '';
      const m = /filename="?([^";]+)"?/.exec(cd);
      const name = m ? m[1] : `class-${classId}-attendance.csv`;
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(errText(err, 'general'));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card csv">
      <form class="row" onSubmit={download}>
        <label>
          From <input type="date" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          To <input type="date" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" disabled={busy}>
          Download CSV
        </button>
      </form>
      <ErrorText error={error} />
    </section>
  );
}
