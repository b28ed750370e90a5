import { linkTo } from '../../router';
import { ROSTER_IMPORT_PATH } from './routes';

/** The home page's way to the admin pages; Home shows it to admins only. */
export function AdminCard() {
  return (
    <section class="card admin-card" aria-label="Administration">
      <h2>Administration</h2>
      <p>
        <a href={ROSTER_IMPORT_PATH} onClick={linkTo(ROSTER_IMPORT_PATH)} data-testid="admin-roster-import">
          Roster import
        </a>{' '}
        <span class="muted small">add or update users, classes and enrollments from a OneRoster export</span>
      </p>
    </section>
  );
}
