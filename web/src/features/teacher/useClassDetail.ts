import { getClass } from '../../api/client';
import { errorText } from '../../errors';
import type { ClassDetail } from '../../types';
import { useRetrying } from '../../ui/useRetrying';

/** The class's details (name, teachers, roster, join code); asked again until the server answers. */
export function useClassDetail(classId: number): { detail: ClassDetail | null; error: string | null } {
  const { data, error } = useRetrying(() => getClass(classId), classId);
  return { detail: data, error: error ? errorText(error) : null };
}
