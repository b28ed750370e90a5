import { useEffect } from 'preact/hooks';
import { listClasses } from '../../api/client';
import { ApiError } from '../../api/http';
import type { Auth } from '../../auth';
import { errorText } from '../../errors';
import { AdminCard } from '../admin/AdminCard';
import { NotificationsCard } from '../notifications/NotificationsCard';
import { linkTo } from '../../router';
import { cacheClasses, cachedClasses } from '../../storage';
import { useRetrying } from '../../ui/useRetrying';
import { useTitle } from '../../ui/useTitle';

/** Why the list shown may not be current (it is asked for again until the server answers). */
function staleNotice(error: unknown): string | null {
  if (!error) return null;
  return error instanceof ApiError && error.isNetwork ? 'Offline: showing the classes saved on this device.' : errorText(error);
}

/** The class list (also kept on the device, so a student can check in offline), and the notifications settings. */
export function Home({ auth }: { auth: Auth }) {
  useTitle('My classes');
  const uid = auth.user.id;
  const loaded = useRetrying(listClasses, uid);
  const classes = loaded.data ?? cachedClasses(uid);
  useEffect(() => {
    if (loaded.data) cacheClasses(uid, loaded.data);
  }, [loaded.data, uid]);
  const stale = loaded.data ? null : staleNotice(loaded.error);
  const student = auth.user.role === 'student';
  return (
    <div class="page home">
      <h1>My classes</h1>
      {auth.user.role === 'admin' && <AdminCard />}
      {stale && (
        <p class="notice" role="status">
          {stale}
        </p>
      )}
      {classes === null ? (
        <p class="muted">Loading…</p>
      ) : classes.length === 0 ? (
        <p class="muted">You have no classes.</p>
      ) : (
        <ul class="class-list">
          {classes.map((c) => (
            <li key={c.id}>
              <a href={`/class/${c.id}`} onClick={linkTo(`/class/${c.id}`)} class="class-link" data-class-id={c.id}>
                <span class="class-name">{c.name}</span>
                <span class="muted small">{student ? 'Check in →' : 'Open dashboard →'}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {student && (
        <p>
          <a href="/me/history" onClick={linkTo('/me/history')}>
            My attendance
          </a>{' '}
          <span class="muted small">every session of your classes, newest first</span>
        </p>
      )}
      {student && (
        <p>
          <a href="/join" onClick={linkTo('/join')} data-testid="join-link">
            Join a class
          </a>{' '}
          <span class="muted small">with a join code from your teacher</span>
        </p>
      )}
      <NotificationsCard auth={auth} />
    </div>
  );
}
