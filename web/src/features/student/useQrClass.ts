import { useEffect, useState } from 'preact/hooks';
import { listClasses } from '../../api/client';
import { cacheClasses, cachedClasses } from '../../storage';
import type { ClassSummary } from '../../types';
import { classOfQrToken, qrTokenSession } from './checkin';

export interface QrClass {
  classId: number;
  className: string;
  /** The wrong-code count's key, as on the class page (`<class>-<session>`). */
  sessionKey: string;
}

function resolve(token: string, classes: ClassSummary[]): QrClass | null {
  const classId = classOfQrToken(token, classes.map((c) => c.id));
  if (classId === null) return null;
  const s = qrTokenSession(token);
  const session = s && s.classId === classId ? s.sessionId : 'none';
  return { classId, className: classes.find((c) => c.id === classId)?.name ?? `Class ${classId}`, sessionKey: `${classId}-${session}` };
}

/** The student's class a QR token is for (the list on this device, else asked for), or null. */
export function useQrClass(userId: number, token: string | null, wanted: boolean): QrClass | null {
  const [found, setFound] = useState<QrClass | null>(null);
  useEffect(() => {
    if (!wanted || !token) return;
    let stop = false;
    const cached = cachedClasses(userId);
    const known = cached ? resolve(token, cached) : null;
    if (known) return setFound(known);
    listClasses()
      .then((list) => {
        cacheClasses(userId, list);
        if (!stop) setFound(resolve(token, list));
      })
      .catch(() => undefined);
    return () => {
      stop = true;
    };
  }, [userId, token, wanted]);
  return found;
}
