import type { Role } from '../../types';
import { ErrorText } from '../../ui/common';
import { kindsFor, PREFERENCE_LABEL } from './preferences';
import type { PreferencesState } from './usePreferences';
import { PREFERENCES_HINT } from './words';

/** One checkbox per kind of notification that fits the role, saved as it changes. */
export function PreferenceToggles({ role, prefs }: { role: Role; prefs: PreferencesState }) {
  return (
    <fieldset class="push-prefs" data-testid="push-preferences" disabled={!prefs.prefs || prefs.saving}>
      <legend>Notify me</legend>
      {kindsFor(role).map((kind) => (
        <label class="check" key={kind}>
          <input
            type="checkbox"
            data-testid={`push-pref-${kind}`}
            checked={prefs.prefs?.[kind] ?? false}
            onChange={(e) => prefs.toggle(kind, (e.target as HTMLInputElement).checked)}
          />
          {PREFERENCE_LABEL[kind]}
        </label>
      ))}
      <p class="muted small">{PREFERENCES_HINT}</p>
      <ErrorText error={prefs.error} />
    </fieldset>
  );
}
