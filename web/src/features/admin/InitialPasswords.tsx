import type { InitialPassword } from '../../types';
import { saveBlob } from '../../ui/download';
import { markPasswordsSaved } from './importRun';
import { passwordsCsv, passwordsFileName } from './passwordsCsv';

/** The passwords the server gave new users: shown once, with a CSV download. */
export function InitialPasswords({ list, saved }: { list: InitialPassword[]; saved: boolean }) {
  function download() {
    saveBlob(new Blob([passwordsCsv(list)], { type: 'text/csv' }), passwordsFileName());
    markPasswordsSaved();
  }
  return (
    <section class="card initial-passwords" data-testid="initial-passwords">
      <h2>Initial passwords</h2>
      <p class="result tone-warn" role="note">
        These passwords are shown only this once: sign out, reload or close this page and they are gone. Download them now, hand them out,
        then delete the file.
      </p>
      <div class="row">
        <button class="primary" type="button" onClick={download}>
          Download passwords (CSV)
        </button>
        {saved && <span class="muted small">Downloaded.</span>}
      </div>
      <table class="audit-table">
        <thead>
          <tr>
            <th>Username</th>
            <th>Password</th>
          </tr>
        </thead>
        <tbody>
          {list.map((p) => (
            <tr key={p.username} data-testid="initial-password">
              <td>{p.username}</td>
              <td>
                <code>{p.password}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
