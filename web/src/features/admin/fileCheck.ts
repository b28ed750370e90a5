// What the admin page refuses before sending anything.

import { ROSTER_ZIP_MAX_BYTES } from '../../api/limits';

const MIB = 1024 * 1024;
const bytes = new Intl.NumberFormat('en-US');

/**
 * Why `file` cannot be sent as a roster import, or null if it can: empty, or over
 * ROSTER_ZIP_MAX_BYTES (which the server refuses with 413 anyway, after the whole
 * upload; a proxy may even cut the connection so the browser sees no answer at all).
 */
export function checkRosterFile(file: { name: string; size: number }): string | null {
  if (file.size === 0) return `${file.name} is empty. Nothing was sent.`;
  if (file.size > ROSTER_ZIP_MAX_BYTES) {
    return (
      `${file.name} is ${(file.size / MIB).toFixed(1)} MiB (${bytes.format(file.size)} bytes): ` +
      `the server takes at most ${ROSTER_ZIP_MAX_BYTES / MIB} MiB (${bytes.format(ROSTER_ZIP_MAX_BYTES)} bytes). Nothing was sent.`
    );
  }
  return null;
}
