import { useEffect, useState } from 'preact/hooks';
import { loadAuth } from '../../auth';
import type { QueuedOp } from '../../offline/queue';
import { cachedClasses, outcomes } from '../../storage';
import type { AttendanceRecord } from '../../types';
import { PageHead } from '../../ui/common';
import { fmtTime } from '../../ui/format';
import { useLiveFeed } from '../../ui/useLiveFeed';
import { useScrollToFragment } from '../../ui/useScrollToFragment';
import type { CheckInResult } from './checkin';
import { CheckInForm } from './CheckInForm';
import { codeBlock } from './codeBlock';
import { useLockout } from './useLockout';
import { takeResult } from './flash';
import { usePending } from './pending';
import { StatusCard } from './StatusCard';
import { onFlushed } from './syncQueue';
import { toView, type Tone } from './words';

type ResultView = { text: string; tone: Tone };

/** How long a sync outcome is still shown when the student comes back to the page. */
const RECENT_OUTCOME_MS = 10 * 60_000;

/** What to show on arrival: the QR link's result, else a recent sync outcome. */
function initialResult(classId: number, uid: number): ResultView | null {
  const r = takeResult(classId);
  if (r) return toView(r);
  const last = outcomes(uid).find((o) => o.class_id === classId && Date.now() - o.at < RECENT_OUTCOME_MS);
  return last ? { text: last.text, tone: last.ok ? 'ok' : 'error' } : null;
}

function PendingList({ ops }: { ops: QueuedOp[] }) {
  return (
    <ul class="pending-list">
      {ops.map((o) => (
        <li key={o.op_id} data-testid="pending-op" data-client-time={o.client_time} data-op-id={o.op_id}>
          Check-in at {fmtTime(o.client_time)}: saved, will send when online
        </li>
      ))}
    </ul>
  );
}

/** The student's class page: the session, their own live status, code entry. */
export function StudentClass({ classId }: { classId: number }) {
  const uid = loadAuth()?.user.id ?? 0;
  const live = useLiveFeed(classId);
  const [result, setResult] = useState<ResultView | null>(() => initialResult(classId, uid));
  const pending = usePending().filter((o) => o.class_id === classId);
  useScrollToFragment();

  useEffect(
    () =>
      onFlushed((done) => {
        const mine = done.filter((f) => f.op.class_id === classId);
        if (!mine.length) return;
        const last = outcomes(uid).find((o) => o.op_id === mine[mine.length - 1].op.op_id);
        if (last) setResult({ text: last.text, tone: last.ok ? 'ok' : 'error' });
        const recs = mine.map((f) => f.result.record).filter((r): r is AttendanceRecord => !!r);
        if (recs.length) live.feed?.mergeRest(recs);
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

  const sessionKey = `${classId}-${session?.id ?? 'none'}`;
  const lockUntil = useLockout(uid, classId, known ? sessionKey : null);
  const blocked = codeBlock({ known, session, mine, lockedUntil: lockUntil.until });

  function onResult(r: CheckInResult) {
    if (r.kind === 'ok') live.feed?.mergeRest([r.record]);
    if (r.kind === 'error' && r.until) lockUntil.set(r.until);
    setResult(toView(r));
  }

  return (
    <div class="page student-class">
      <PageHead title={className} status={live.status} />
      <div class="sr-only" aria-live="polite" aria-atomic="true">
        {live.announcement}
      </div>
      <StatusCard known={known} status={live.status} session={session} mine={mine} waiting={pending[pending.length - 1]} />
      <section class="card checkin" id="check-in">
        <h2>Check in</h2>
        <CheckInForm classId={classId} sessionKey={sessionKey} className={className} onResult={onResult} blocked={blocked} />
        <div role="status" aria-live="polite">
          {result && (
            <p data-testid="checkin-result" class={`result tone-${result.tone}`}>
              {result.text}
            </p>
          )}
        </div>
        {pending.length > 0 && <PendingList ops={pending} />}
      </section>
    </div>
  );
}
