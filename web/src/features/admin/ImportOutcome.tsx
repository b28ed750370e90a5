import { ErrorText } from '../../ui/common';
import { ImportedCounts } from './ImportedCounts';
import type { ImportState } from './importRun';
import { InitialPasswords } from './InitialPasswords';
import { RosterErrors } from './RosterErrors';

/** The answer of the last import: counts and passwords, the refused rows, or why it failed. */
export function ImportOutcome({ state }: { state: ImportState }) {
  switch (state.phase) {
    case 'idle':
    case 'sending':
      return null;
    case 'invalid':
    case 'failed':
      return (
        <div data-testid="import-failed">
          <ErrorText error={state.message} />
        </div>
      );
    case 'refused':
      return <RosterErrors fileName={state.fileName} refusal={state.refusal} />;
    case 'imported':
      return (
        <>
          <ImportedCounts fileName={state.fileName} result={state.result} />
          {state.result.initial_passwords.length > 0 && <InitialPasswords list={state.result.initial_passwords} saved={state.passwordsSaved} />}
        </>
      );
  }
}
