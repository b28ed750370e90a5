// The server's VAPID public key (API.md §8: base64url of a 65-byte uncompressed
// P-256 point) as the bytes `pushManager.subscribe` takes.

import { ClientError } from '../../errors';

/** An uncompressed P-256 point: 0x04, then X and Y (32 bytes each). */
const POINT_BYTES = 65;
const UNCOMPRESSED = 0x04;

/** The key's bytes; a ClientError `invalid_vapid_key` when it is not such a point. */
export function vapidKeyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const s = base64url.replace(/=+$/, '');
  if (!/^[A-Za-z0-9_-]+$/.test(s)) throw new ClientError('invalid_vapid_key', 'not base64url');
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  let raw: string;
  try {
    raw = atob(b64);
  } catch {
    throw new ClientError('invalid_vapid_key', 'not base64url');
  }
  if (raw.length !== POINT_BYTES || raw.charCodeAt(0) !== UNCOMPRESSED) {
    throw new ClientError('invalid_vapid_key', `not an uncompressed P-256 point (${raw.length} bytes)`);
  }
  const out = new Uint8Array(new ArrayBuffer(POINT_BYTES));
  for (let i = 0; i < POINT_BYTES; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** Whether a subscription's `options.applicationServerKey` is `key`. */
export function sameKey(subscriptionKey: ArrayBuffer | null | undefined, key: Uint8Array): boolean {
  if (!subscriptionKey || subscriptionKey.byteLength !== key.length) return false;
  const a = new Uint8Array(subscriptionKey);
  return a.every((b, i) => b === key[i]);
}
