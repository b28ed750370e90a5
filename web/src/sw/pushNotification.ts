// A push message (API.md §8, the decrypted payload) as the notification the
// service worker shows. Pure and defensive: whatever arrives (no data, bad JSON,
// missing or mistyped fields) gives a notification, never a throw, because a push
// that shows nothing costs the site Chrome's "updated in the background" notice.

/** What the click handler needs back from the notification (`notification.data`). */
export interface NotificationData {
  /** As the payload gave it; the click follows it only if it is a same-origin path (notificationClick.ts). */
  url: string;
  kind: string | null;
  class_id: number | null;
  session_id: number | null;
}

export interface NotificationButton {
  action: string;
  title: string;
}

/** The arguments of `registration.showNotification(title, options)`. */
export interface ShownNotification {
  title: string;
  options: {
    body: string;
    /** `<kind>:<session_id>`: a newer notification of the same kind and session replaces the older one. */
    tag: string;
    data: NotificationData;
    actions: NotificationButton[];
  };
}

export const GENERIC_TITLE = 'rollcall';
export const GENERIC_BODY = 'Open rollcall to see what changed.';
const GENERIC_TAG = 'rollcall';

const TITLE_CHARS_MAX = 120;
const BODY_CHARS_MAX = 500;
const ACTION_CHARS_MAX = 40;
const URL_CHARS_MAX = 2048;
const KIND_CHARS_MAX = 40;
/** Chrome shows at most two action buttons (`Notification.maxActions`). */
const ACTIONS_MAX = 2;

function text(v: unknown, max: number): string | null {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  if (!t) return null;
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

function id(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
}

function actions(v: unknown): NotificationButton[] {
  if (!Array.isArray(v)) return [];
  const out: NotificationButton[] = [];
  for (const a of v) {
    if (out.length === ACTIONS_MAX) break;
    if (!a || typeof a !== 'object') continue;
    const action = text((a as Record<string, unknown>).action, ACTION_CHARS_MAX);
    const title = text((a as Record<string, unknown>).title, ACTION_CHARS_MAX);
    if (action && title) out.push({ action, title });
  }
  return out;
}

function parse(raw: string | null | undefined): Record<string, unknown> | null {
  if (!raw) return null;
  try {
    const v: unknown = JSON.parse(raw);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The notification for a push message's text (`event.data?.text()`). */
export function notificationFromPush(raw: string | null | undefined): ShownNotification {
  const p = parse(raw) ?? {};
  const kind = text(p.kind, KIND_CHARS_MAX);
  const sessionId = id(p.session_id);
  const url = typeof p.url === 'string' && p.url.length <= URL_CHARS_MAX ? p.url : '/';
  const tag = kind === null ? GENERIC_TAG : sessionId === null ? kind : `${kind}:${sessionId}`;
  return {
    title: text(p.title, TITLE_CHARS_MAX) ?? GENERIC_TITLE,
    options: {
      body: text(p.body, BODY_CHARS_MAX) ?? GENERIC_BODY,
      tag,
      data: { url, kind, class_id: id(p.class_id), session_id: sessionId },
      actions: actions(p.actions),
    },
  };
}
