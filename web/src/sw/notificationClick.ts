// A click on a notification (or one of its buttons) as the page to show: pure
// (clickTarget) and the window handling (openOrFocus) over a structural view of
// `self.clients`, so both run in Vitest. Only same-origin relative paths from a
// payload are followed: a notification never opens another site.

const URL_CHARS_MAX = 2048;

/** The absolute URL for `url` if it is a path of this origin (`/…`), else null. */
export function appUrl(url: unknown, origin: string): string | null {
  if (typeof url !== 'string' || url.length > URL_CHARS_MAX) return null;
  // "//host" and "/\host" are another host to the URL parser; so is "/\t/host",
  // whose tab the parser drops: the origin check below catches what this misses.
  if (!url.startsWith('/') || url.startsWith('//') || url.includes('\\')) return null;
  let u: URL;
  try {
    u = new URL(url, origin);
  } catch {
    return null;
  }
  return u.origin === origin ? u.href : null;
}

/** The page of an action (or of a kind, for a click on the body) when the payload had no url. */
function pageOf(action: string, kind: unknown, classId: unknown): string {
  if (typeof classId !== 'number' || !Number.isSafeInteger(classId) || classId < 0) return '/';
  if (action === 'check_in' || (action === '' && kind === 'session_opened')) return `/class/${classId}#check-in`;
  if (action === 'open_roster' || (action === '' && kind === 'missing_digest')) return `/class/${classId}#roster`;
  return `/class/${classId}`;
}

/**
 * Where a click leads (an absolute URL of `origin`): the payload's url (for
 * `check_in` and a session_opened the check-in page, for `open_roster` and a
 * missing_digest the roster: the server sends those urls); a url that is absolute
 * or of another origin gives `/`; no url at all, the action's page of the class.
 */
export function clickTarget(data: unknown, action: string, origin: string): string {
  const d = data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  if (d.url !== undefined && d.url !== null) return appUrl(d.url, origin) ?? `${origin}/`;
  return `${origin}${pageOf(action, d.kind, d.class_id)}`;
}

/** The parts of a `WindowClient` used here. */
export interface WindowClientLike {
  readonly url: string;
  readonly focused: boolean;
  focus(): Promise<unknown>;
  navigate(url: string): Promise<unknown>;
}

/** The parts of `self.clients` used here (window clients, controlled or not). */
export interface WindowClientsLike {
  matchAll(): Promise<readonly WindowClientLike[]>;
  openWindow(url: string): Promise<unknown>;
}

export type OpenOutcome = 'focused' | 'navigated' | 'opened' | 'failed';

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * Shows `url`: a window of the app already open (the focused one first) is
 * focused and navigated there; with none, or one this worker cannot navigate, a
 * new window opens. Never throws: the outcome says what happened.
 */
export async function openOrFocus(clients: WindowClientsLike, url: string, origin: string): Promise<OpenOutcome> {
  let wins: readonly WindowClientLike[] = [];
  try {
    wins = (await clients.matchAll()).filter((w) => originOf(w.url) === origin);
  } catch {
    /* open a new window below */
  }
  const win = wins.find((w) => w.focused) ?? wins[0];
  if (win) {
    // Focus first, while the click still allows it; a focus that is refused
    // (no user activation) does not stop the navigation.
    await win.focus().catch(() => undefined);
    if (win.url === url) return 'focused';
    try {
      await win.navigate(url);
      return 'navigated';
    } catch {
      /* not controlled by this worker: open a new window instead */
    }
  }
  try {
    await clients.openWindow(url);
    return 'opened';
  } catch {
    return 'failed';
  }
}
