import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/http';
import { json, memoryStorage, signedIn, stubFetch } from '../../api/testing';
import { ClientError, errorText } from '../../errors';
import { disablePush, enablePush, readPushState, type PushEnv, type RegistrationLike, type SubscriptionLike } from './pushSetup';
import { subscriptionStore } from './rememberedSubscription';

const KEY = 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM';
const KEY_BYTES = new Uint8Array(Buffer.from(KEY, 'base64url'));
const ENDPOINT = 'https://push.example/send/abc';
const KEYS = { p256dh: 'BP256dh', auth: 'AUTHAUTH' };

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** A browser subscription made with `key`; records unsubscribe(). */
function subscription(key: Uint8Array = KEY_BYTES, endpoint = ENDPOINT, unsubscribeFails = false) {
  const s = {
    endpoint,
    options: { applicationServerKey: key.slice().buffer as ArrayBuffer | null },
    unsubscribed: 0,
    toJSON: () => ({ endpoint, expirationTime: null, keys: { ...KEYS } }),
    unsubscribe: vi.fn(async () => {
      if (unsubscribeFails) throw new DOMException('failed', 'UnknownError');
      s.unsubscribed++;
      return true;
    }),
  };
  return { s };
}

/** A stubbed browser: Notification, a service worker registration with its PushManager. */
function browser(o: {
  permission?: NotificationPermission;
  answer?: NotificationPermission;
  existing?: SubscriptionLike | null;
  subscribe?: (opts: { userVisibleOnly: boolean; applicationServerKey: Uint8Array }) => Promise<SubscriptionLike>;
  noServiceWorker?: boolean;
  noPushManager?: boolean;
  noNotification?: boolean;
  noRegistration?: boolean;
} = {}) {
  let current: SubscriptionLike | null = o.existing ?? null;
  const made = subscription();
  const notification = {
    permission: o.permission ?? ('default' as NotificationPermission),
    requestPermission: vi.fn(async () => {
      notification.permission = o.answer ?? 'granted';
      return notification.permission;
    }),
  };
  const subscribe = vi.fn(async (opts: { userVisibleOnly: boolean; applicationServerKey: Uint8Array }) => {
    current = o.subscribe ? await o.subscribe(opts) : made.s;
    return current;
  });
  const registration: RegistrationLike = {
    pushManager: {
      getSubscription: async () => {
        if (current && (current as { unsubscribed?: number }).unsubscribed) current = null;
        return current;
      },
      subscribe,
    },
  };
  const env: PushEnv = {
    notification: o.noNotification ? undefined : notification,
    hasServiceWorker: !o.noServiceWorker,
    hasPushManager: !o.noPushManager,
    currentRegistration: async () => (o.noRegistration ? null : registration),
    activeRegistration: async () => (o.noRegistration ? null : registration),
    store: subscriptionStore(3),
    subscribeTimeoutMs: 30_000,
  };
  return { env, notification, subscribe, made: made.s };
}

describe('readPushState: what the control shows on load', () => {
  it.each([
    ['no service worker', { noServiceWorker: true }, 'no_service_worker'],
    ['no Push API', { noPushManager: true }, 'no_push'],
    ['no Notification API', { noNotification: true }, 'no_notification'],
  ])('unsupported with %s', async (_what, o, reason) => {
    signedIn('student', 3);
    const b = browser(o);
    expect(await readPushState(b.env)).toEqual({ kind: 'unsupported', reason });
  });

  it('never asks for the permission (only a click does)', async () => {
    signedIn('student', 3);
    for (const permission of ['default', 'granted', 'denied'] as const) {
      const b = browser({ permission });
      await readPushState(b.env);
      expect(b.notification.requestPermission).not.toHaveBeenCalled();
      expect(b.subscribe).not.toHaveBeenCalled();
    }
  });

  it('denied when the browser blocks notifications for the site', async () => {
    signedIn('student', 3);
    expect(await readPushState(browser({ permission: 'denied' }).env)).toEqual({ kind: 'denied' });
  });

  it('on only when the remembered subscription is the browser one', async () => {
    signedIn('student', 3);
    const { s } = subscription();
    subscriptionStore(3).set({ id: 17, endpoint: ENDPOINT });
    expect(await readPushState(browser({ permission: 'granted', existing: s }).env)).toEqual({ kind: 'on', id: 17 });
    // The browser dropped it (or another one replaced it): off, and forgotten.
    expect(await readPushState(browser({ permission: 'granted', existing: null }).env)).toEqual({ kind: 'off' });
    expect(subscriptionStore(3).get()).toBeNull();
    subscriptionStore(3).set({ id: 17, endpoint: 'https://push.example/other' });
    expect(await readPushState(browser({ permission: 'granted', existing: s }).env)).toEqual({ kind: 'off' });
  });

  it('off without a registration or without a remembered id', async () => {
    signedIn('student', 3);
    expect(await readPushState(browser({ noRegistration: true }).env)).toEqual({ kind: 'off' });
    expect(await readPushState(browser({ permission: 'granted', existing: subscription().s }).env)).toEqual({ kind: 'off' });
  });
});

describe('enablePush: the click', () => {
  it('asks for the permission, subscribes with the server key, posts the subscription and remembers its id', async () => {
    signedIn('student', 3);
    const b = browser();
    const calls = stubFetch(json(200, { public_key: KEY }), json(201, { id: 17 }));
    expect(await enablePush(b.env)).toEqual({ kind: 'on', id: 17 });
    expect(b.notification.requestPermission).toHaveBeenCalledTimes(1);
    expect(b.subscribe).toHaveBeenCalledTimes(1);
    const opts = b.subscribe.mock.calls[0][0];
    expect(opts.userVisibleOnly).toBe(true);
    expect([...opts.applicationServerKey]).toEqual([...KEY_BYTES]);
    expect(calls.map((c) => [c.method, c.url])).toEqual([
      ['GET', '/api/v1/push/vapid-public-key'],
      ['POST', '/api/v1/push/subscriptions'],
    ]);
    expect(JSON.parse(calls[1].body!)).toEqual({ endpoint: ENDPOINT, keys: KEYS });
    expect(subscriptionStore(3).get()).toEqual({ id: 17, endpoint: ENDPOINT });
    // And the next page load shows it on.
    expect(await readPushState(b.env)).toEqual({ kind: 'on', id: 17 });
  });

  it('asks for the permission before anything else (while the click still counts as a user gesture)', async () => {
    signedIn('student', 3);
    const b = browser();
    const order: string[] = [];
    b.notification.requestPermission.mockImplementation(async () => {
      order.push('permission');
      b.notification.permission = 'granted';
      return 'granted';
    });
    stubFetch(
      () => (order.push('fetch key'), json(200, { public_key: KEY })),
      () => json(201, { id: 1 }),
    );
    await enablePush(b.env);
    expect(order).toEqual(['permission', 'fetch key']);
  });

  it('does not ask again when the permission is already granted', async () => {
    signedIn('teacher', 2);
    const b = browser({ permission: 'granted' });
    stubFetch(json(200, { public_key: KEY }), json(200, { id: 'x9' }));
    expect(await enablePush(b.env)).toEqual({ kind: 'on', id: 'x9' });
    expect(b.notification.requestPermission).not.toHaveBeenCalled();
  });

  it('a denied permission: the denied state, nothing subscribed or sent', async () => {
    signedIn('student', 3);
    const b = browser({ answer: 'denied' });
    const calls = stubFetch();
    expect(await enablePush(b.env)).toEqual({ kind: 'denied' });
    expect(b.subscribe).not.toHaveBeenCalled();
    expect(calls).toHaveLength(0);
  });

  it('a question closed without an answer: push_permission_dismissed', async () => {
    signedIn('student', 3);
    const b = browser({ answer: 'default' });
    const calls = stubFetch();
    await expect(enablePush(b.env)).rejects.toMatchObject({ code: 'push_permission_dismissed' });
    expect(calls).toHaveLength(0);
  });

  it('unsupported browsers: push_unsupported, without asking', async () => {
    signedIn('student', 3);
    const b = browser({ noPushManager: true });
    await expect(enablePush(b.env)).rejects.toMatchObject({ code: 'push_unsupported' });
    expect(b.notification.requestPermission).not.toHaveBeenCalled();
  });

  it('no active service worker: push_no_service_worker', async () => {
    signedIn('student', 3);
    const b = browser({ noRegistration: true });
    await expect(enablePush(b.env)).rejects.toMatchObject({ code: 'push_no_service_worker' });
  });

  it('a subscribe the browser refuses (no push service, a private window): push_subscribe_failed, words through errorText', async () => {
    signedIn('student', 3);
    const b = browser({
      subscribe: async () => {
        throw new DOMException('Registration failed - permission denied', 'AbortError');
      },
    });
    const calls = stubFetch(json(200, { public_key: KEY }));
    const e = await enablePush(b.env).catch((x) => x);
    expect(e).toBeInstanceOf(ClientError);
    expect(e.code).toBe('push_subscribe_failed');
    expect(errorText(e)).toContain('could not subscribe');
    expect(calls).toHaveLength(1);
    expect(subscriptionStore(3).get()).toBeNull();
  });

  it('a subscribe that never answers (push service unreachable): push_service_unreachable after the timeout', async () => {
    signedIn('student', 3);
    vi.useFakeTimers();
    const b = browser({ subscribe: () => new Promise<never>(() => undefined) });
    stubFetch(json(200, { public_key: KEY }));
    const p = enablePush(b.env).catch((x) => x);
    await vi.advanceTimersByTimeAsync(29_999);
    let settled = false;
    void p.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await p).toMatchObject({ code: 'push_service_unreachable' });
  });

  it('a server key that is not a P-256 point: invalid_vapid_key, nothing subscribed', async () => {
    signedIn('student', 3);
    const b = browser();
    stubFetch(json(200, { public_key: 'not-a-key' }));
    await expect(enablePush(b.env)).rejects.toMatchObject({ code: 'invalid_vapid_key' });
    expect(b.subscribe).not.toHaveBeenCalled();
  });

  it('the server refuses the subscription: its ApiError, nothing remembered', async () => {
    signedIn('student', 3);
    const b = browser();
    stubFetch(json(200, { public_key: KEY }), json(422, { error: { code: 'invalid_subscription', message: 'private host' } }));
    const e = await enablePush(b.env).catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('invalid_subscription');
    expect(subscriptionStore(3).get()).toBeNull();
  });

  it('reuses a subscription the browser already has with the same key', async () => {
    signedIn('student', 3);
    const { s } = subscription();
    const b = browser({ permission: 'granted', existing: s });
    const calls = stubFetch(json(200, { public_key: KEY }), json(200, { id: 17 }));
    expect(await enablePush(b.env)).toEqual({ kind: 'on', id: 17 });
    expect(b.subscribe).not.toHaveBeenCalled();
    expect(s.unsubscribe).not.toHaveBeenCalled();
    expect(JSON.parse(calls[1].body!)).toEqual({ endpoint: ENDPOINT, keys: KEYS });
  });

  it('replaces a subscription made with another key (the server key changed)', async () => {
    signedIn('student', 3);
    const other = KEY_BYTES.slice();
    other[64] ^= 1;
    const { s } = subscription(other, 'https://push.example/old');
    const b = browser({ permission: 'granted', existing: s });
    const calls = stubFetch(json(200, { public_key: KEY }), json(201, { id: 18 }));
    expect(await enablePush(b.env)).toEqual({ kind: 'on', id: 18 });
    expect(s.unsubscribe).toHaveBeenCalledTimes(1);
    expect(b.subscribe).toHaveBeenCalledTimes(1);
    expect(JSON.parse(calls[1].body!).endpoint).toBe(ENDPOINT);
  });
});

describe('disablePush', () => {
  it('unsubscribes the browser, DELETEs the remembered id and forgets it', async () => {
    signedIn('student', 3);
    const { s } = subscription();
    subscriptionStore(3).set({ id: 17, endpoint: ENDPOINT });
    const b = browser({ permission: 'granted', existing: s });
    const calls = stubFetch(new Response(null, { status: 204 }));
    expect(await disablePush(b.env)).toEqual({ state: { kind: 'off' }, serverError: null });
    expect(s.unsubscribe).toHaveBeenCalledTimes(1);
    expect(calls.map((c) => [c.method, c.url])).toEqual([['DELETE', '/api/v1/push/subscriptions/17']]);
    expect(subscriptionStore(3).get()).toBeNull();
    expect(await readPushState(b.env)).toEqual({ kind: 'off' });
  });

  it('a subscription the server already forgot (404) is off without an error', async () => {
    signedIn('student', 3);
    subscriptionStore(3).set({ id: 17, endpoint: ENDPOINT });
    const b = browser({ permission: 'granted', existing: subscription().s });
    stubFetch(json(404, { error: { code: 'not_found', message: 'no such subscription' } }));
    expect(await disablePush(b.env)).toEqual({ state: { kind: 'off' }, serverError: null });
  });

  it('off on this device even when the server cannot be told; the error is handed back for the words', async () => {
    signedIn('student', 3);
    const { s } = subscription();
    subscriptionStore(3).set({ id: 17, endpoint: ENDPOINT });
    const b = browser({ permission: 'granted', existing: s });
    stubFetch(new TypeError('Failed to fetch'));
    const r = await disablePush(b.env);
    expect(r.state).toEqual({ kind: 'off' });
    expect(r.serverError).toMatchObject({ code: 'network_error' });
    expect(s.unsubscribe).toHaveBeenCalledTimes(1);
    expect(subscriptionStore(3).get()).toBeNull();
  });

  it('a browser that cannot unsubscribe: push_unsubscribe_failed, still on and remembered, the server not told', async () => {
    signedIn('student', 3);
    const { s } = subscription(KEY_BYTES, ENDPOINT, true);
    subscriptionStore(3).set({ id: 17, endpoint: ENDPOINT });
    const b = browser({ permission: 'granted', existing: s });
    const calls = stubFetch();
    await expect(disablePush(b.env)).rejects.toMatchObject({ code: 'push_unsubscribe_failed' });
    expect(calls).toHaveLength(0);
    expect(subscriptionStore(3).get()).toEqual({ id: 17, endpoint: ENDPOINT });
  });
});

describe('the remembered subscription', () => {
  it('is kept per user and survives garbage in storage', () => {
    vi.stubGlobal('localStorage', memoryStorage());
    subscriptionStore(3).set({ id: 17, endpoint: ENDPOINT });
    expect(subscriptionStore(4).get()).toBeNull();
    expect(subscriptionStore(3).get()).toEqual({ id: 17, endpoint: ENDPOINT });
    localStorage.setItem('rollcall.push.3', '{not json');
    expect(subscriptionStore(3).get()).toBeNull();
    localStorage.setItem('rollcall.push.3', JSON.stringify({ id: 17 }));
    expect(subscriptionStore(3).get()).toBeNull();
  });
});
