import { useEffect, useState } from 'preact/hooks';
import { lockedUntil } from './lockout';

/**
 * Until when this session's codes are refused (lockout.ts), read again when the
 * page learns the session (`sessionKey`, null while unknown) and when it ends.
 */
export function useLockout(userId: number, classId: number, sessionKey: string | null): { until: number | null; set: (until: number) => void } {
  const [until, setUntil] = useState<number | null>(null);
  const read = () => setUntil(sessionKey ? lockedUntil(userId, classId, sessionKey) : null);
  useEffect(read, [userId, classId, sessionKey]);
  useEffect(() => {
    if (until === null) return;
    const t = setTimeout(read, Math.max(0, until - Date.now()) + 100);
    return () => clearTimeout(t);
  }, [until, sessionKey]);
  return { until, set: setUntil };
}
