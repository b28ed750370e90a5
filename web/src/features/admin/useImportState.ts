import { useEffect, useState } from 'preact/hooks';
import { currentImport, subscribeImport, type ImportState } from './importRun';

/** The roster import's state (importRun.ts), re-rendering on every change. */
export function useImportState(): ImportState {
  const [s, setS] = useState<ImportState>(currentImport);
  useEffect(() => {
    setS(currentImport());
    return subscribeImport(setS);
  }, []);
  return s;
}
