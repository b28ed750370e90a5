import { describe, expect, it } from 'vitest';
import { ClientError } from '../../errors';
import { sameKey, vapidKeyBytes } from './vapidKey';

// A P-256 public key, uncompressed (0x04 || X || Y), base64url without padding.
const KEY = 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM';

describe('vapidKeyBytes: the server key as applicationServerKey', () => {
  it('decodes base64url (with - and _, padded or not) into the 65 bytes of the point', () => {
    const b = vapidKeyBytes(KEY);
    expect(b).toBeInstanceOf(Uint8Array);
    expect(b.length).toBe(65);
    expect(b[0]).toBe(0x04);
    expect(Buffer.from(b).toString('base64url')).toBe(KEY);
    expect(vapidKeyBytes(KEY + '=')).toEqual(b);
  });

  it.each([
    ['empty', ''],
    ['too short', KEY.slice(0, 40)],
    ['not base64url', KEY.slice(0, -2) + '!!'],
    ['a compressed point (0x02 prefix)', Buffer.from([0x02, ...new Uint8Array(64)]).toString('base64url')],
    ['standard base64 with + and /', Buffer.from(vapidKeyBytes(KEY)).toString('base64')],
  ])('refuses a key that is %s with invalid_vapid_key', (_what, key) => {
    const e = (() => {
      try {
        vapidKeyBytes(key);
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(ClientError);
    expect(e).toMatchObject({ code: 'invalid_vapid_key' });
  });
});

describe('sameKey', () => {
  it('compares the key a subscription was made with to the server key', () => {
    const b = vapidKeyBytes(KEY);
    expect(sameKey(b.slice().buffer, b)).toBe(true);
    const other = b.slice();
    other[64] ^= 1;
    expect(sameKey(other.buffer, b)).toBe(false);
    expect(sameKey(null, b)).toBe(false);
    expect(sameKey(new ArrayBuffer(3), b)).toBe(false);
  });
});
