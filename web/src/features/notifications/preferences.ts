// Which notifications a user can choose (API.md §8: a kind that does not fit the
// role is ignored by the server), their words, and saving one change.

import { putPushPreferences } from '../../api/client';
import type { PushKind, PushPreferences, Role } from '../../types';

/** The kinds that fit a role; an admin acts as a teacher (API.md §1). */
export function kindsFor(role: Role): PushKind[] {
  return role === 'student' ? ['session_opened', 'status_changed'] : ['missing_digest'];
}

export const PREFERENCE_LABEL: Record<PushKind, string> = {
  session_opened: 'When attendance opens in one of my classes',
  status_changed: 'When a teacher changes my attendance',
  missing_digest: 'When students have not checked in by the late time',
};

/** PUTs `current` with `kind` set to `on`; resolves with what the server stored. */
export function savePreference(current: PushPreferences, kind: PushKind, on: boolean): Promise<PushPreferences> {
  return putPushPreferences({ ...current, [kind]: on });
}
