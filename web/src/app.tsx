import { useEffect, useState } from 'preact/hooks';
import { clearAuth, loadAuth, onAuthChange, type Auth } from './auth';
import { linkTo, useRoute } from './router';
import { startAutoFlush } from './student';
import { CheckInLink } from './ui/CheckInLink';
import { Home } from './ui/Home';
import { usePending } from './ui/pending';
import { SignIn } from './ui/SignIn';
import { StudentClass } from './ui/StudentClass';
import { TeacherClass } from './ui/TeacherClass';

function useAuth(): Auth | null {
  const [auth, setAuth] = useState<Auth | null>(() => loadAuth());
  useEffect(() => {
    const off = onAuthChange((a) => setAuth(a));
    // Sign out when the token expires (the server would answer 401 anyway).
    const t = setInterval(() => {
      const a = loadAuth();
      setAuth((cur) => (cur && !a ? null : cur));
    }, 15_000);
    return () => {
      off();
      clearInterval(t);
    };
  }, []);
  return auth;
}

function PendingBadge() {
  const n = usePending().length;
  return (
    <span class={`pending ${n ? 'has' : ''}`} title="check-ins saved on this device, waiting to be sent">
      Waiting to send: <b data-testid="sync-pending">{n}</b>
    </span>
  );
}

export function App() {
  const auth = useAuth();
  const route = useRoute();
  const isStudent = auth?.user.role === 'student';
  useEffect(() => {
    if (isStudent) startAutoFlush();
  }, [isStudent]);

  let body;
  const m = /^\/class\/(\d+)\/?$/.exec(route.path);
  if (!auth) {
    body = <SignIn reason={route.path === '/check-in' ? 'Sign in to check in.' : undefined} />;
  } else if (route.path === '/check-in') {
    body = <CheckInLink token={route.query.get('token')} />;
  } else if (m) {
    const id = Number(m[1]);
    body = isStudent ? <StudentClass key={id} classId={id} /> : <TeacherClass key={id} classId={id} />;
  } else {
    body = <Home auth={auth} />;
  }
  return (
    <>
      <header class="topbar">
        <a href="/" onClick={linkTo('/')} class="brand">
          rollcall
        </a>
        {auth && (
          <div class="who">
            {isStudent && <PendingBadge />}
            <span class="user">
              {auth.user.name} <span class="muted small">({auth.user.role})</span>
            </span>
            <button class="link" onClick={() => clearAuth()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main>{body}</main>
    </>
  );
}
