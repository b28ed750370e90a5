// When the code and QR code on screen may not work, in words for the teacher
// (and the class reading the projector).

import type { ConnectionStatus } from '../../live/feed';

/** Why the code and QR code may not work now, or null when they are current. */
export function staleQrText(status: ConnectionStatus, qrExpired: boolean): string | null {
  if (qrExpired) return 'This QR code has run out and could not be renewed: no connection to the server. Wait until the connection is back.';
  if (status !== 'live') return 'No connection to the server: checking in may not work until it is back.';
  return null;
}
