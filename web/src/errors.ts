// Words for every error code the API can answer (API.md and docs/api.md), and the
// one helper that turns anything thrown into text for the user: errorText.

import { ApiError } from './api/http';
import { CODE_ATTEMPTS_WINDOW_MS, ROSTER_ZIP_MAX_BYTES } from './api/limits';

export type ErrorContext = 'login' | 'check-in' | 'session' | 'override' | 'bulk' | 'join' | 'roster-import' | 'general';

const MESSAGES: Record<string, string> = {
  invalid_credentials: 'Wrong username or password.',
  unauthorized: 'Your sign-in has expired. Please sign in again.',
  forbidden: 'You are not allowed to do this.',
  not_enrolled: 'You are not enrolled in this class.',
  no_open_session: 'There is no open session for this class right now. Wait for your teacher to start it.',
  session_closed: 'This session is closed: check-in is no longer possible.',
  invalid_code: 'That code is not right.',
  session_already_open: 'A session is already open for this class.',
  session_already_closed: 'This session is already closed.',
  session_not_found: 'This session does not exist.',
  class_not_found: 'This class does not exist.',
  student_not_found: 'That student is not in this class.',
  unknown_student: 'One of the students is not in this class. Nothing was changed.',
  duplicate_student: 'A student was named twice. Nothing was changed.',
  invalid_field: 'Some of the input was not valid.',
  invalid_json: 'The app sent a request the server could not read.',
  invalid_join_code: 'No class has that join code. Check it with your teacher.',
  invalid_client_time: "This device's clock is wrong: the saved check-in time is outside the session.",
  overloaded: 'The server is busy. Try again in a moment.',
  storage_unavailable: 'The server could not save this. Nothing changed; try again later.',
  too_many_sessions: 'This class has used all its session numbers.',
  qr_render_failed: 'The QR code could not be drawn. Use the verification code instead.',
  duplicate_op_id: 'The app sent the same offline change twice.',
  too_many_ops: 'Too many offline changes at once.',
  body_too_large: 'The request was too large.',
  not_found: 'Not found.',
  method_not_allowed: 'The app made a request the server does not allow.',
  network_error: 'No connection to the server.',
  // Web Push (API.md §8): the server's answers, then what a browser can refuse.
  invalid_subscription: "The server refused this browser's notification subscription.",
  push_unsupported:
    'This browser cannot receive notifications from rollcall. On an iPhone or iPad, add rollcall to the Home Screen and open it from there.',
  push_permission_dismissed:
    'Notifications were not turned on: the question was closed without an answer. Click "Enable notifications" to be asked again.',
  push_no_service_worker: "The app's background worker is not running, so notifications cannot be turned on. Reload the page and try again.",
  push_subscribe_failed:
    'This browser could not subscribe to notifications. A private window cannot receive them; in a normal window, try again later.',
  push_service_unreachable: "This browser's push service did not answer. Check the connection and try again.",
  push_unsubscribe_failed: 'This browser could not turn notifications off. Try again.',
  invalid_vapid_key: "The server's notification key is not valid. Tell your administrator.",
  // Roster import (API.md §7, POST /admin/oneroster).
  invalid_roster: 'The roster was refused. Nothing was imported.',
  unsupported_media_type: 'The server takes the roster only as a zip file. Nothing was imported.',
  import_in_progress: 'Another roster import is running. Wait for it to finish, then import again.',
  roster_changed: 'The roster kept changing while the import ran (students joining classes). Nothing was imported; import again.',
  roster_too_large:
    'The roster would be too large to change while the server runs. Nothing was imported: an operator can import it with `rollcall import` while the server is stopped.',
  unreadable_import_answer:
    'The server accepted the import, but this page could not read its answer: reload the page and check the classes. Passwords it may have given new users cannot be shown.',
};

/**
 * The roster import's words where they differ from the general ones. An answer
 * lost on the way (no connection, a proxy that gave up: 502, 504, or the server's
 * own deadline: 503 owner_timeout) leaves the outcome unknown; the server may have
 * committed it, or may still.
 */
const ROSTER_IMPORT_MESSAGES: Record<string, string> = {
  forbidden: 'Only administrators can import a roster.',
  body_too_large:
    `The file was refused as too large: the server takes at most ${ROSTER_ZIP_MAX_BYTES / (1024 * 1024)} MiB, ` +
    'and a proxy in front of it may take less. Nothing was imported.',
  network_error: lostAnswer('The connection to the server was lost.'),
  http_502: lostAnswer('The proxy in front of the server got no answer from it.'),
  http_504: lostAnswer('The proxy in front of the server stopped waiting for it.'),
  owner_timeout: lostAnswer('The server did not answer in time.'),
};

function lostAnswer(what: string): string {
  return (
    `${what} The answer was lost on the way, so the import may or may not have been applied. ` +
    'Importing the same file again is safe (it changes nothing twice), but passwords given to new users the first time would not be shown again.'
  );
}

/**
 * A failure on this device, not an answer of the server (a browser that refuses
 * to subscribe, a key that does not decode): a code errorMessage has words for.
 * `detail` is for debugging only and never shown.
 */
export class ClientError extends Error {
  constructor(
    public code: string,
    detail?: string,
  ) {
    super(detail ?? code);
  }
}

/** The minutes of the wrong-code window (API.md §4), for the words. */
const CODE_WINDOW_MIN = CODE_ATTEMPTS_WINDOW_MS / 60_000;

/** Words for an error code the server answered (`serverMessage`: its `message`). */
export function errorMessage(code: string, context: ErrorContext = 'general', serverMessage?: string): string {
  if (code === 'too_many_attempts') {
    if (context === 'join') return `Too many wrong join codes. Wait ${CODE_WINDOW_MIN} minutes and try again.`;
    return context === 'login'
      ? 'Too many failed sign-ins for this username. Wait 10 minutes and try again.'
      : `Too many wrong codes. Wait ${CODE_WINDOW_MIN} minutes, or ask your teacher to mark you.`;
  }
  if (code === 'forbidden' && context === 'check-in') return 'Only students can check in.';
  if (code === 'invalid_code' && context === 'check-in') return 'Wrong code.';
  if (code === 'invalid_field' && serverMessage) return `Not valid: ${serverMessage}`;
  if (context === 'roster-import' && ROSTER_IMPORT_MESSAGES[code]) return ROSTER_IMPORT_MESSAGES[code];
  const m = MESSAGES[code];
  if (m) return m;
  return serverMessage ? `Error: ${serverMessage}` : `Unexpected error (${code}).`;
}

/**
 * Words for anything a call threw: an ApiError (the server's answer, or no
 * connection at all: `network_error`) or a ClientError (this device) through
 * errorMessage; anything else (a bug,
 * an answer that is not JSON) is `fallback`, never a raw exception message.
 */
export function errorText(err: unknown, context: ErrorContext = 'general', fallback = 'Something went wrong.'): string {
  if (err instanceof ApiError) return errorMessage(err.code, context, err.message);
  if (err instanceof ClientError) return errorMessage(err.code, context);
  return fallback;
}
