import { useEffect, useState } from 'preact/hooks';
import { clearAuth, loadAuth, onAuthChange, signOutNotice, type Auth } from './auth';
import { linkTo, useRoute } from './router';
import { RosterImportPage } from './features/admin/RosterImportPage';
import { AdminToday } from './features/admin/AdminToday';
import { isAdminTodayPath, isRosterImportPath, isUsersPath } from './features/admin/routes';
import { UsersPage } from './features/admin/UsersPage';
import { SignIn } from './features/auth/SignIn';
import { tokenRefresher } from './features/auth/tokenRefresh';
import { Home } from './features/classes/Home';
import { JoinClass } from './features/classes/JoinClass';
import { NotFound } from './features/notFound/NotFound';
import { CheckInLink } from './features/student/CheckInLink';
import { PendingBadge } from './features/student/PendingBadge';
import { MyHistory } from './features/student/MyHistory';
import { StudentClass } from './features/student/StudentClass';
import { startAutoFlush } from './features/student/syncQueue';
import { PastSession } from './features/teacher/PastSession';
import { classPage } from './features/teacher/routes';
import { ReportPage } from './features/teacher/ReportPage';
import { SessionHistory } from './features/teacher/SessionHistory';
import { TeacherClass } from './features/teacher/TeacherClass';

function useAuth(): Auth | null {
  const [auth, setAuth] = useState<Auth | null>(() => loadAuth());
  useEffect(() => {
    const off = onAuthChange((a) => setAuth(a));
    // Fresh tokens before the old ones run out (API.md §1): a dashboard left open stays signed in.
    tokenRefresher.start();
    // Sign out when the token expires (the server would answer 401 anyway).
    const t = setInterval(() => {
      const a = loadAuth();
      setAuth((cur) => (cur && !a ? null : cur));
    }, 15_000);
    return () => {
      off();
      tokenRefresher.stop();
      clearInterval(t);
    };
  }, []);
  return auth;
}

export function App() {
  const auth = useAuth();
  const route = useRoute();
  const isStudent = auth?.user.role === 'student';
  useEffect(() => {
    if (isStudent) startAutoFlush();
  }, [isStudent]);

  let body;
  const cp = classPage(route.path);
  if (!auth) {
    body = <SignIn reason={route.path === '/check-in' ? 'Sign in to check in.' : undefined} notice={signOutNotice()} />;
  } else if (route.path === '/check-in') {
    body = <CheckInLink token={route.query.get('token')} />;
  } else if (route.path === '/join' && isStudent) {
    body = <JoinClass userId={auth.user.id} />;
  } else if (route.path === '/me/history' && isStudent) {
    body = <MyHistory userId={auth.user.id} />;
  } else if (isAdminTodayPath(route.path) && auth.user.role === 'admin') {
    body = <AdminToday />;
  } else if (isUsersPath(route.path) && auth.user.role === 'admin') {
    body = <UsersPage />;
  } else if (isRosterImportPath(route.path)) {
    body = <RosterImportPage auth={auth} />;
  } else if (cp?.page === 'class') {
    const id = cp.classId;
    body = isStudent ? <StudentClass key={id} classId={id} /> : <TeacherClass key={id} classId={id} />;
  } else if (cp?.page === 'history' && !isStudent) {
    body = <SessionHistory key={cp.classId} classId={cp.classId} />;
  } else if (cp?.page === 'session' && !isStudent) {
    body = <PastSession key={cp.sessionId} classId={cp.classId} sessionId={cp.sessionId} />;
  } else if (cp?.page === 'report' && !isStudent) {
    body = <ReportPage key={cp.classId} classId={cp.classId} />;
  } else if (route.path === '/' || route.path === '/index.html') {
    body = <Home auth={auth} />;
  } else {
    body = <NotFound path={route.path} />;
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
