// What the notifications control says about this browser.

import type { UnsupportedReason } from './pushSetup';

export const UNSUPPORTED_TEXT: Record<UnsupportedReason, string> = {
  no_service_worker:
    'This browser cannot receive notifications here: they need a secure (https) connection and a browser that runs web apps in the background.',
  no_push:
    'This browser cannot receive push notifications. On an iPhone or iPad, add rollcall to the Home Screen and open it from there.',
  no_notification: 'This browser cannot show notifications.',
};

export const DENIED_TEXT =
  'Notifications are blocked for rollcall in this browser. To allow them again, open the site settings (the icon next to the address), set Notifications to Allow, then reload this page.';

export const ON_TEXT = 'Notifications are on for this device.';

export const OFF_TEXT = 'Get a notification on this device, even when rollcall is closed.';

export const PREFERENCES_HINT = 'These choices apply to every device where notifications are on.';
