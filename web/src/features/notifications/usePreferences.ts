import { useEffect, useState } from 'preact/hooks';
import { getPushPreferences } from '../../api/client';
import { errorText } from '../../errors';
import type { PushKind, PushPreferences } from '../../types';
import { savePreference } from './preferences';

export interface PreferencesState {
  /** null until loaded (or when loading failed). */
  prefs: PushPreferences | null;
  saving: boolean;
  error: string | null;
  toggle: (kind: PushKind, on: boolean) => void;
}

/** The user's notification preferences: loaded with GET, each change saved with PUT. */
export function usePreferences(userId: number): PreferencesState {
  const [prefs, setPrefs] = useState<PushPreferences | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    getPushPreferences().then(
      (p) => !stop && setPrefs(p),
      (e) => !stop && setError(errorText(e, 'general', 'The notification settings could not be loaded.')),
    );
    return () => {
      stop = true;
    };
  }, [userId]);

  async function toggle(kind: PushKind, on: boolean) {
    if (!prefs || saving) return;
    const before = prefs;
    // The checkbox shows the change at once; the server's answer (or the old value) follows.
    setPrefs({ ...before, [kind]: on });
    setSaving(true);
    setError(null);
    try {
      setPrefs(await savePreference(before, kind, on));
    } catch (e) {
      setPrefs(before);
      setError(errorText(e, 'general', 'The notification setting could not be saved.'));
    } finally {
      setSaving(false);
    }
  }
  return { prefs, saving, error, toggle: (k, on) => void toggle(k, on) };
}
