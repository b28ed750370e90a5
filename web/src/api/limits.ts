// Limits and defaults the server sets, as the wire contract states them. The app
// restates none of them anywhere else: everything imports them from here.
// (The app's own choices, such as how many check-ins may wait on one device,
// live with the code that makes them.)

/**
 * Ops in one `POST /api/v1/sync` batch: "at most 500 ops" (API.md §6 "Offline
 * sync"; more is `413 too_many_ops`, docs/api.md "Offline sync: The batch").
 * The sender halves its batches if the server ever answers 413 anyway.
 */
export const SYNC_MAX_OPS = 500;

/**
 * Wrong verification codes one student may send for one session within
 * CODE_ATTEMPTS_WINDOW_MS before `429 too_many_attempts` (API.md §4 "Sessions and
 * check-in": "after 5 wrong codes by one student for one session within 10 minutes").
 */
export const MAX_CODE_ATTEMPTS = 5;
/** The window of MAX_CODE_ATTEMPTS: 10 minutes (API.md §4, as above). */
export const CODE_ATTEMPTS_WINDOW_MS = 10 * 60_000;

/** Digits of a verification code: "6 decimal digits" (API.md §3 "Records", `Session`). */
export const CODE_DIGITS = 6;

/**
 * Longest override `reason` (bytes) before `422 invalid_field` (docs/api.md
 * "Error codes besides those of API.md", input limits: "`reason` ≤ 500").
 */
export const REASON_MAX_BYTES = 500;

/**
 * How often QR tokens rotate unless the server says otherwise: `qr_rotation_s`,
 * default 15 s (API.md §4 "Sessions and check-in"). Only a fallback: the app
 * reads the real period from `GET .../qr` (`rotates_at`, `expires_at`).
 */
export const QR_ROTATION_DEFAULT_MS = 15_000;

/**
 * Largest roster zip `POST /api/v1/admin/oneroster` takes: "at most 64 MiB"
 * (API.md §7). The admin page refuses a bigger file before sending it
 * (features/admin/fileCheck.ts) rather than upload 64 MiB for nothing; the server
 * enforces the limit itself (`413 body_too_large`), and so do the shipped proxies.
 */
export const ROSTER_ZIP_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Most rows a refused roster import lists (`422 invalid_roster`, "at most 100
 * errors"): a refusal with this many may have more problems than it names.
 */
export const ROSTER_ERRORS_MAX = 100;
