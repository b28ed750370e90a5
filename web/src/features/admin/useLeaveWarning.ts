import { useEffect } from 'preact/hooks';

/**
 * While `active`, closing or reloading the tab asks first (the browser's own
 * question): an import on its way, or passwords not yet downloaded, would be lost.
 */
export function useLeaveWarning(active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const ask = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', ask);
    return () => window.removeEventListener('beforeunload', ask);
  }, [active]);
}
