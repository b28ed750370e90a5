import type { RosterImportResult } from '../../types';
import { importSummary } from './summary';

/** A successful import's counts, in words. */
export function ImportedCounts({ fileName, result }: { fileName: string; result: RosterImportResult }) {
  return (
    <section class="card" data-testid="import-result">
      <p class="result tone-ok" role="status">
        {fileName} was imported.
      </p>
      <ul class="import-summary">
        {importSummary(result).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </section>
  );
}
