import type { RosterRefusal } from '../../types';
import { errorTable } from './errorTable';

/** A refused import (422 invalid_roster): nothing was imported, and why, row by row. */
export function RosterErrors({ fileName, refusal }: { fileName: string; refusal: RosterRefusal }) {
  const table = errorTable(refusal);
  return (
    <section class="card" data-testid="roster-errors">
      <p class="result tone-error" role="alert">
        Nothing was imported: {fileName} has problems. Fix them in the export and import it again.
      </p>
      {table.rows.length > 0 && (
        <table class="audit-table">
          <thead>
            <tr>
              <th>File</th>
              <th>Line</th>
              <th>Problem</th>
            </tr>
          </thead>
          <tbody>
            {table.rows.map((r, i) => (
              <tr key={i} data-testid="roster-error">
                <td>{r.file}</td>
                <td>{r.line}</td>
                <td>{r.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {table.notes.map((n) => (
        <p key={n} class="muted">
          {n}
        </p>
      ))}
    </section>
  );
}
