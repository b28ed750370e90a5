// The initial passwords as a CSV download: the same file `rollcall import` writes
// (`username,password`, LF line ends, RFC 4180 quoting only where needed).

import type { InitialPassword } from '../../types';

/** Quoted only when it must be; never otherwise changed (it is a password). */
function field(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function passwordsCsv(list: InitialPassword[]): string {
  return ['username,password', ...list.map((p) => `${field(p.username)},${field(p.password)}`)].join('\n') + '\n';
}

/** `import-passwords-<UTC time>.csv`, the name the import command gives its file. */
export function passwordsFileName(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return `import-passwords-${stamp}.csv`;
}
