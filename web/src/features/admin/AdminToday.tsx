import { getAdminToday } from '../../api/client';
import { errorText } from '../../errors';
import { CountsBar, ErrorText, SubPageHead } from '../../ui/common';
import { fmtTime } from '../../ui/format';
import { useRetrying } from '../../ui/useRetrying';
import { AdminNav } from './AdminNav';
import { ADMIN_PATH } from './routes';
import { splitToday, teacherNames } from './today';

/** The admin console's first page: which classes have taken attendance today (the district's day). */
export function AdminToday() {
  const { data, error } = useRetrying(getAdminToday, 'today');
  const split = data ? splitToday(data.classes) : null;
  return (
    <div class="page admin-today">
      <SubPageHead title="Attendance today" back="/" backLabel="Home" />
      <AdminNav current={ADMIN_PATH} />
      <ErrorText error={error ? errorText(error) : null} />
      {!data && !error && <p class="muted">Loading today's classes…</p>}
      {data && split && (
        <>
          <p>
            {data.date}: {split.notTaken.length} of {data.classes.length} classes have not taken attendance yet.
          </p>
          <section class="card not-taken" aria-labelledby="not-taken-title">
            <h2 id="not-taken-title">Not taken yet ({split.notTaken.length})</h2>
            {split.notTaken.length === 0 ? (
              <p>Every class has taken attendance today.</p>
            ) : (
              <ul class="today-list">
                {split.notTaken.map((c) => (
                  <li key={c.class_id} data-testid="today-class" data-class-id={c.class_id} data-taken="no">
                    <span class="badge b-absent">Not taken</span> <strong>{c.class_name}</strong> <span class="muted">· {teacherNames(c)}</span>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section class="card" aria-labelledby="taken-title">
            <h2 id="taken-title">Taken ({split.taken.length})</h2>
            {split.taken.length === 0 ? (
              <p>No class has taken attendance yet today.</p>
            ) : (
              <ul class="today-list">
                {split.taken.map((c) => (
                  <li key={c.class_id} data-testid="today-class" data-class-id={c.class_id} data-taken="yes">
                    <h3>
                      {c.class_name} <span class="muted small">· {teacherNames(c)}</span>
                    </h3>
                    <p class="small">
                      {c.session!.status === 'open' ? `Open since ${fmtTime(c.session!.starts_at)}` : `Closed at ${fmtTime(c.session!.closed_at)}`}
                    </p>
                    <CountsBar counts={c.counts} />
                  </li>
                ))}
              </ul>
            )}
          </section>
          {data.truncated && <p class="muted small">Only the first {data.classes.length} classes are listed.</p>}
        </>
      )}
    </div>
  );
}
