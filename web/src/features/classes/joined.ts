// A class just joined goes into the class list kept on this device at once, so
// the home page lists it even before (or without) asking the server again.

import type { JoinedClass } from '../../api/client';
import { cacheClasses, cachedClasses } from '../../storage';

export function rememberJoined(userId: number, j: JoinedClass): void {
  const list = cachedClasses(userId) ?? [];
  if (list.some((c) => c.id === j.class_id)) return;
  cacheClasses(userId, [...list, { id: j.class_id, name: j.class_name, role: 'student' }]);
}
