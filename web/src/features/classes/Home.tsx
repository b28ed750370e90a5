import { useEffect, useState } from 'preact/hooks';
import { listClasses } from '../../api/client';
import { ApiError } from '../../api/http';
import type { Auth } from '../../auth';
import { errorText } from '../../errors';
import { AdminCard } from '../admin/AdminCard';
import { NotificationsCard } from '../notifications/NotificationsCard';
import { linkTo } from '../../router';
import { cacheClasses, cachedClasses } from '../../storage';
import type { ClassSummary } from '../../types';
import { useTitle } from '../../ui/useTitle';

/** The class list (also kept on the device, so a student can check in offline), and the notifications settings. */
export function Home({ auth }: { auth: Auth }) {
  useTitle('My classes');
  const uid = auth.user.id;
  const [classes, setClasses] = useState<ClassSummary[] | null>(() => cachedClasses(uid));
  const [stale, setStale] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    listClasses()
      .then((list) => {
        if (stop) return;
        cacheClasses(uid, list);
        setClasses(list);
        setStale(null);
      })
      .catch((e) => {
        if (stop) return;
        setStale(e instanceof ApiError && e.isNetwork ? 'Offline: showing the classes saved on this device.' : errorText(e));
      });
    return () => {
      stop = true;
    };
  }, [uid]);
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
      <NotificationsCard auth={auth} />
    </div>
  );
}
