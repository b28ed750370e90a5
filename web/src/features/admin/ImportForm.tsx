import { useState } from 'preact/hooks';
import { ErrorText } from '../../ui/common';
import { checkRosterFile } from './fileCheck';
import { ImportProgress } from './ImportProgress';
import { startImport, type ImportState } from './importRun';

const REPLACE_PASSWORDS =
  'The passwords of the last import have not been downloaded, and a new import replaces them on this page for good. Import anyway?';

/** The file picker and the Import button; both are disabled while an import is on its way. */
export function ImportForm({ state }: { state: ImportState }) {
  const [file, setFile] = useState<File | null>(null);
  const sending = state.phase === 'sending';
  const problem = file ? checkRosterFile(file) : null;
  function submit(e: Event) {
    e.preventDefault();
    if (!file || problem || sending) return;
    const unsaved = state.phase === 'imported' && state.result.initial_passwords.length > 0 && !state.passwordsSaved;
    if (unsaved && !window.confirm(REPLACE_PASSWORDS)) return;
    void startImport(file);
  }
  return (
    <form class="card import-form" onSubmit={submit} aria-busy={sending}>
      <label class="field">
        OneRoster export (.zip)
        <input
          type="file"
          name="roster"
          accept=".zip,application/zip"
          disabled={sending}
          onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)}
        />
      </label>
      <ErrorText error={problem} />
      <div class="row">
        <button class="primary" type="submit" disabled={!file || !!problem || sending}>
          {sending ? 'Importing…' : 'Import'}
        </button>
      </div>
      {state.phase === 'sending' && <ImportProgress fileName={state.fileName} startedAt={state.startedAt} />}
    </form>
  );
}
