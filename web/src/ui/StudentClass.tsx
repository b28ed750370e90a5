import { useEffect, useRef, useState } from 'preact/hooks';
import { loadAuth } from '../auth';
import { linkTo } from '../router';
import { cachedClasses, outcomes } from '../storage';
import { checkInByCode, fmtTime, onFlushed, statusText, type CheckInResult } from '../student';
import { ConnectionBadge, useLiveFeed } from './common';
import { takeResult } from './flash';
import { usePending } from './pending';

export function StudentClass({ classId }: { classId: number }) {
  const auth = loadAuth();
  const uid = auth?.user.id ?? 0;
  const live = useLiveFeed(classId);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ text: string; tone: 'ok' | 'warn' | 'error' } | null>(() => {
    const r = takeResult(classId);
    if (r) return toView(r);
    const last = outcomes(uid).find((o) => o.class_id === classId && Date.now() - o.at < 10 * 60_000);
    return last ? { text: last.text, tone: last.ok ? 'ok' : 'error' } : null;
  });
  const pending = usePending().filter((o) => o.class_id === classId);

  useEffect(
    () =>
      onFlushed((done) => {
        const mine = done.filter((f) => f.op.class_id === classId);
        if (!mine.length) return;
        const last = outcomes(uid).find((o) => o.op_id === mine[mine.length - 1].op.op_id);
        if (last) setResult({ text: last.text, tone: last.ok ? 'ok' : 'error' });
        const recs = mine.map((f) => f.result.record).filter((r) => !!r);
        if (recs.length) live.feed?.mergeRest(recs as any);
      }),
    [classId, live.feed],
  );

  const state = live.state;
  // Before the first snapshot (e.g. the app started offline) nothing is known yet.
  const known = !!state && state.epoch !== null;
  const session = known ? (state?.session ?? null) : null;
  const mine = state && state.userId !== null ? state.records.get(state.userId) : undefined;
  const className =
    session?.class_name ?? cachedClasses(uid)?.find((c) => c.id === classId)?.name ?? `Class ${classId}`;

  // A second submit before the first answered (double click, Enter twice) is
  // ignored: the button's disabled state only applies after a render.
  const inFlight = useRef(false);
  async function submit(e: Event) {
    e.preventDefault();
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    try {
      const r = await checkInByCode(classId, code.trim(), `${classId}-${session?.id ?? 'none'}`, className);
      if (r.kind === 'ok') live.feed?.mergeRest([r.record]);
      setResult(toView(r));
      if (r.kind !== 'error') setCode('');
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }

  return (
    <div class="page student-class">
      <div class="page-head">
        <a href="/" onClick={linkTo('/')} class="back">
          ← My classes
        </a>
        <h1>{className}</h1>
        <ConnectionBadge status={live.status} />
      </div>
      <div class="sr-only" aria-live="polite" aria-atomic="true">
        {live.announcement}
      </div>
      <section class="card my-status-card">
        <div class="label">Session</div>
        <p data-testid="session-state">
          {!known
            ? live.status === 'offline'
              ? 'Offline: the session state is unknown.'
              : 'Connecting…'
            : !session
              ? 'No session is open right now.'
              : session.status === 'open'
                ? `Open since ${fmtTime(session.starts_at)} (late after ${session.late_after_minutes} min)`
                : `Closed at ${fmtTime(session.closed_at)}`}
        </p>
        <div class="label">My status</div>
        <p class={`my-status st-${mine?.attendance_status ?? 'unknown'}`} data-testid="my-status" data-status={mine?.attendance_status ?? ''}>
          {mine
            ? `${statusText(mine)[0].toUpperCase()}${statusText(mine).slice(1)}${mine.check_in_time ? ` (checked in at ${fmtTime(mine.check_in_time)})` : ''}${mine.is_manual_override ? ' · set by your teacher' : ''}`
            : session
              ? '…'
              : '—'}
        </p>
      </section>
      <section class="card checkin">
        <form onSubmit={submit}>
          <label class="field big">
            6-digit code
            <input
              data-testid="checkin-code-input"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]{6}"
              maxLength={6}
              value={code}
              placeholder="123456"
              onInput={(e) => setCode((e.target as HTMLInputElement).value.replace(/\D/g, '').slice(0, 6))}
            />
          </label>
          <button data-testid="checkin-submit" class="primary big" type="submit" disabled={busy || code.length !== 6}>
            Check in
          </button>
        </form>
        <div role="status" aria-live="polite">
          {result && (
            <p data-testid="checkin-result" class={`result tone-${result.tone}`}>
              {result.text}
            </p>
          )}
        </div>
        {pending.length > 0 && (
          <ul class="pending-list">
            {pending.map((o) => (
              <li key={o.op_id} data-testid="pending-op" data-client-time={o.client_time} data-op-id={o.op_id}>
                Check-in at {fmtTime(o.client_time)}: saved, will send when online
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

export function toView(r: CheckInResult): { text: string; tone: 'ok' | 'warn' | 'error' } {
  if (r.kind === 'ok') return { text: r.text, tone: r.record.is_manual_override || !r.created ? 'warn' : 'ok' };
  if (r.kind === 'queued') return { text: r.text, tone: 'warn' };
  return { text: r.text, tone: 'error' };
}
