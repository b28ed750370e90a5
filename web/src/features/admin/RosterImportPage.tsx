import type { Auth } from '../../auth';
import { linkTo } from '../../router';
import { useTitle } from '../../ui/useTitle';
import { ImportForm } from './ImportForm';
import { ImportOutcome } from './ImportOutcome';
import type { ImportState } from './importRun';
import { useImportState } from './useImportState';
import { useLeaveWarning } from './useLeaveWarning';

/** Losing the page now would lose something: the answer still on its way, or passwords not downloaded. */
function mustStay(s: ImportState): boolean {
  return s.phase === 'sending' || (s.phase === 'imported' && s.result.initial_passwords.length > 0 && !s.passwordsSaved);
}

/** `/admin/roster`: upload a OneRoster export (POST /api/v1/admin/oneroster), admins only. */
export function RosterImportPage({ auth }: { auth: Auth }) {
  const state = useImportState();
  useTitle('Roster import');
  useLeaveWarning(mustStay(state));
  const admin = auth.user.role === 'admin';
  return (
    <div class="page admin-import">
      <div class="page-head">
        <a href="/" onClick={linkTo('/')} class="back">
          ← My classes
        </a>
        <h1>Roster import</h1>
      </div>
      {admin ? (
        <>
          <p class="muted">
            Adds and updates users, classes and enrollments from a OneRoster 1.1 CSV export: a zip holding users.csv, classes.csv and
            enrollments.csv. Nothing is deleted, and a file with any problem changes nothing.
          </p>
          <ImportForm state={state} />
          <ImportOutcome state={state} />
        </>
      ) : (
        <p class="notice" role="alert" data-testid="admin-only">
          Only administrators can import a roster. You are signed in as {auth.user.name} ({auth.user.role}).
        </p>
      )}
    </div>
  );
}
