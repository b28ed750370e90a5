import { useEffect, useState } from 'preact/hooks';
import { sortedRecords } from '../../live/roster';
import { linkTo } from '../../router';
import { CountsBar, ErrorText, PageHead } from '../../ui/common';
import { liveCounts, useLiveFeed } from '../../ui/useLiveFeed';
import { useScrollToFragment } from '../../ui/useScrollToFragment';
import { AuditPanel } from './AuditPanel';
import { CodeAndQr } from './CodeAndQr';
import { CsvExport } from './CsvExport';
import { Roster } from './Roster';
import { historyPath, reportPath } from './routes';
import { SessionControls } from './SessionControls';
import { useClassDetail } from './useClassDetail';

/** The teacher's class page: the session, code and QR, the live roster, audit, CSV. */
export function TeacherClass({ classId }: { classId: number }) {
  const live = useLiveFeed(classId);
  const { detail, error: detailError } = useClassDetail(classId);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useScrollToFragment();
  useEffect(() => {
    if (detail && live.feed) live.feed.setStudents((detail.students ?? []).map((s) => [s.id, s.name]));
  }, [detail, live.feed]);

  const state = live.state;
  const session = state?.session ?? null;
  const counts = liveCounts(state);
  const className = detail?.name ?? session?.class_name ?? `Class ${classId}`;

  return (
    <div class="page teacher-class">
      <PageHead title={className} status={live.status} />
      <nav class="class-links" aria-label="More about this class">
        <a href={historyPath(classId)} onClick={linkTo(historyPath(classId))}>
          History
        </a>
        <a href={reportPath(classId)} onClick={linkTo(reportPath(classId))}>
          Report
        </a>
      </nav>
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
          <SessionControls classId={classId} session={session} unmarked={counts?.unmarked ?? 0} onNotice={setNotice} onError={setError} />
          {notice && (
            <p class="notice" role="status">
              {notice}
            </p>
          )}
          <ErrorText error={error} />
          {session && session.status === 'open' && <CodeAndQr session={session} status={live.status} counts={counts ?? null} />}
          {session && counts && <CountsBar counts={counts} />}
          {session && (
            <Roster session={session} records={sortedRecords(state)} flash={live.flash} onRecords={(recs) => live.feed?.mergeRest(recs)} />
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
