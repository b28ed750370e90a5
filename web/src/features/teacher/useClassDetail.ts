import { useEffect, useState } from 'preact/hooks';
import { getClass } from '../../api/client';
import { errorText } from '../../errors';
import type { ClassDetail } from '../../types';

/** The class's details (name, teachers, roster, join code), loaded once. */
export function useClassDetail(classId: number): { detail: ClassDetail | null; error: string | null } {
  const [detail, setDetail] = useState<ClassDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    getClass(classId)
      .then((d) => !stop && setDetail(d))
      .catch((e) => !stop && setError(errorText(e)));
    return () => {
      stop = true;
    };
  }, [classId]);
  return { detail, error };
}
