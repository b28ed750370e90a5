import type { Auth } from '../../auth';
import { PreferenceToggles } from './PreferenceToggles';
import { PushControl } from './PushControl';
import { usePreferences } from './usePreferences';
import { usePush } from './usePush';

/** The notifications section of the home page: this device's switch and the user's choices. */
export function NotificationsCard({ auth }: { auth: Auth }) {
  const push = usePush(auth.user.id);
  const prefs = usePreferences(auth.user.id);
  return (
    <section class="card notifications" aria-labelledby="notifications-title" data-testid="notifications">
      <h2 id="notifications-title">Notifications</h2>
      <PushControl push={push} />
      <PreferenceToggles role={auth.user.role} prefs={prefs} />
    </section>
  );
}
