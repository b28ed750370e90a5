// The roster import the admin started: one at a time, and kept outside the page,
// so leaving the page inside the app and coming back still shows the answer (the
// new users' passwords are shown only once). Never stored on the device, and
// forgotten when the admin signs out or someone else signs in.

import { importOneRoster } from '../../api/client';
import { loadAuth, onAuthChange } from '../../auth';
import { errorText } from '../../errors';
import type { RosterImportResult, RosterRefusal } from '../../types';
import { checkRosterFile } from './fileCheck';

export type ImportState =
  | { phase: 'idle' }
  /** Refused by the page itself (checkRosterFile): nothing was sent. */
  | { phase: 'invalid'; fileName: string; message: string }
  | { phase: 'sending'; fileName: string; startedAt: number }
  | { phase: 'imported'; fileName: string; result: RosterImportResult; passwordsSaved: boolean }
  | { phase: 'refused'; fileName: string; refusal: RosterRefusal }
  | { phase: 'failed'; fileName: string; message: string };

type Listener = (s: ImportState) => void;

const IDLE: ImportState = { phase: 'idle' };
let state: ImportState = IDLE;
/** Who started what `state` shows. */
let owner: number | null = null;
/** Bumped by every reset: an answer for an older run is dropped. */
let run = 0;
const listeners = new Set<Listener>();

function set(next: ImportState): void {
  state = next;
  for (const l of listeners) l(state);
}

export function currentImport(): ImportState {
  return state;
}

export function subscribeImport(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/**
 * Checks `file` and sends it, unless an import is already on its way: then it
 * does nothing and answers false (a double click sends one request). Resolves
 * once the answer is in `currentImport()`; true if it was sent.
 */
export async function startImport(file: Blob & { name: string }): Promise<boolean> {
  if (state.phase === 'sending') return false;
  owner = loadAuth()?.user.id ?? null;
  const problem = checkRosterFile(file);
  if (problem) {
    set({ phase: 'invalid', fileName: file.name, message: problem });
    return false;
  }
  const mine = ++run;
  set({ phase: 'sending', fileName: file.name, startedAt: Date.now() });
  let next: ImportState;
  try {
    const outcome = await importOneRoster(file);
    next =
      outcome.kind === 'imported'
        ? { phase: 'imported', fileName: file.name, result: outcome.result, passwordsSaved: false }
        : { phase: 'refused', fileName: file.name, refusal: outcome.refusal };
  } catch (err) {
    next = { phase: 'failed', fileName: file.name, message: errorText(err, 'roster-import') };
  }
  if (mine === run) set(next);
  return true;
}

/** The admin downloaded the initial passwords: leaving the page no longer loses them. */
export function markPasswordsSaved(): void {
  if (state.phase === 'imported' && !state.passwordsSaved) set({ ...state, passwordsSaved: true });
}

/** Forgets the last import (an answer still on its way is dropped). */
export function resetImport(): void {
  run += 1;
  owner = null;
  if (state !== IDLE) set(IDLE);
}

// A sign-out, or another user: the passwords are not theirs to see. A token
// refresh (the same user) keeps them.
onAuthChange((a) => {
  if (state === IDLE) return;
  if (!a || a.user.id !== owner) resetImport();
});
