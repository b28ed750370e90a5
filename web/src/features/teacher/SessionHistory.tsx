import { listSessions } from '../../api/client';
import { errorText } from '../../errors';
import { linkTo } from '../../router';
import type { SessionWithCounts } from '../../types';
import { ErrorText, SubPageHead } from '../../ui/common';
import { fmtDate, fmtTime } from '../../ui/format';
import { useRetrying } from '../../ui/useRetrying';
import { pastSessionPath } from './routes';
import { useClassDetail } from './useClassDetail';

const COLUMNS: [keyof SessionWithCounts['counts'], string][] = [
  ['present', 'Present'],
  ['late', 'Late'],
  ['absent', 'Absent'],
  ['excused', 'Excused'],
  ['unmarked', 'Not yet'],
];

/** The class's sessions, newest first, with their counts; each opens to its roster. */
export function SessionHistory({ classId }: { classId: number }) {
  const { detail } = useClassDetail(classId);
  const { data, error } = useRetrying(() => listSessions(classId), classId);
  const name = detail?.name ?? `Class ${classId}`;
  return (
    <div class="page history">
      <SubPageHead title={`${name}: history`} back={`/class/${classId}`} backLabel={`Back to ${name}`} />
      <ErrorText error={error ? errorText(error) : null} />
      {!data && !error && <p class="muted">Loading the sessions…</p>}
      {data && data.sessions.length === 0 && <p>No session yet: the sessions of this class will be listed here.</p>}
      {data && data.sessions.length > 0 && (
        <div class="card table-wrap">
          <table class="roster-table history-table">
            <caption class="sr-only">Sessions of {name}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Started</th>
                <th scope="col">Status</th>
                {COLUMNS.map(([k, label]) => (
                  <th scope="col" key={k}>
                    {label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.sessions.map((s) => (
                <tr key={s.id} data-testid="history-row" data-session-id={s.id}>
                  <td>
                    <a href={pastSessionPath(classId, s.id)} onClick={linkTo(pastSessionPath(classId, s.id))}>
                      {fmtDate(s.starts_at)}
                    </a>
                  </td>
                  <td class="time">{fmtTime(s.starts_at)}</td>
                  <td>{s.status === 'open' ? 'Open' : 'Closed'}</td>
                  {COLUMNS.map(([k]) => (
                    <td key={k} data-count={k}>
                      {s.counts[k]}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data?.truncated && <p class="muted small">Only the newest {data.sessions.length} sessions are listed.</p>}
    </div>
  );
}
