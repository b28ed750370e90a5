import { linkTo } from '../../router';
import { ADMIN_PATH, ROSTER_IMPORT_PATH, USERS_PATH } from './routes';

/** The home page's way to the admin pages; Home shows it to admins only. */
export function AdminCard() {
  return (
    <section class="card admin-card" aria-label="Administration">
      <h2>Administration</h2>
      <p>
        <a href={ADMIN_PATH} onClick={linkTo(ADMIN_PATH)} data-testid="admin-today">
          Attendance today
        </a>{' '}
        <span class="muted small">which classes have not taken attendance yet</span>
      </p>
      <p>
        <a href={USERS_PATH} onClick={linkTo(USERS_PATH)} data-testid="admin-users">
          Users
        </a>{' '}
        <span class="muted small">find an account by name, username or role</span>
      </p>
      <p>
        <a href={ROSTER_IMPORT_PATH} onClick={linkTo(ROSTER_IMPORT_PATH)} data-testid="admin-roster-import">
          Roster import
        </a>{' '}
        <span class="muted small">add or update users, classes and enrollments from a OneRoster export</span>
      </p>
    </section>
  );
}
