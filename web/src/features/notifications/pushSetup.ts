// Turning Web Push on and off for this device (API.md §8), as plain functions
// over the browser's parts (PushEnv), so Vitest runs them with stubs:
// readPushState on load (never asks anything), enablePush on the click (asks for
// the permission first, while the click still counts as a user gesture),
// disablePush. The browser's own objects come from browserPush.ts.

import { addPushSubscription, deletePushSubscription, getVapidPublicKey } from '../../api/client';
import { ApiError } from '../../api/http';
import { ClientError } from '../../errors';
import type { PushSubscriptionId } from '../../types';
import type { SubscriptionStore } from './rememberedSubscription';
import { sameKey, vapidKeyBytes } from './vapidKey';

export interface SubscriptionLike {
  readonly endpoint: string;
  readonly options?: { readonly applicationServerKey: ArrayBuffer | null };
  toJSON(): { endpoint?: string; keys?: Record<string, string> };
  unsubscribe(): Promise<boolean>;
}

export interface RegistrationLike {
  pushManager: {
    getSubscription(): Promise<SubscriptionLike | null>;
    subscribe(o: { userVisibleOnly: boolean; applicationServerKey: Uint8Array<ArrayBuffer> }): Promise<SubscriptionLike>;
  };
}

export interface NotificationLike {
  readonly permission: NotificationPermission;
  requestPermission(): Promise<NotificationPermission>;
}

export interface PushEnv {
  /** The Notification API; undefined where there is none. */
  notification: NotificationLike | undefined;
  hasServiceWorker: boolean;
  hasPushManager: boolean;
  /** The service worker registration if there is one now (does not wait). */
  currentRegistration(): Promise<RegistrationLike | null>;
  /** The registration once its worker is active (bounded wait); null if none comes. */
  activeRegistration(): Promise<RegistrationLike | null>;
  store: SubscriptionStore;
  /** How long `subscribe` may take: without a reachable push service it may never answer. */
  subscribeTimeoutMs: number;
}

export type UnsupportedReason = 'no_service_worker' | 'no_push' | 'no_notification';

export type PushState =
  | { kind: 'unsupported'; reason: UnsupportedReason }
  | { kind: 'denied' }
  | { kind: 'off' }
  | { kind: 'on'; id: PushSubscriptionId };

function unsupported(env: PushEnv): UnsupportedReason | null {
  if (!env.hasServiceWorker) return 'no_service_worker';
  if (!env.hasPushManager) return 'no_push';
  if (!env.notification) return 'no_notification';
  return null;
}

/** What the control shows now. Asks the user nothing and subscribes nothing. */
export async function readPushState(env: PushEnv): Promise<PushState> {
  const reason = unsupported(env);
  if (reason) return { kind: 'unsupported', reason };
  if (env.notification!.permission === 'denied') return { kind: 'denied' };
  const remembered = env.store.get();
  if (!remembered) return { kind: 'off' };
  const reg = await env.currentRegistration();
  const sub = reg ? await reg.pushManager.getSubscription() : null;
  if (sub && sub.endpoint === remembered.endpoint) return { kind: 'on', id: remembered.id };
  // The browser dropped the subscription (expired, cleared, replaced): the server
  // forgets it at its next 404/410 from the push service.
  env.store.clear();
  return { kind: 'off' };
}

function timeout<T>(p: Promise<T>, ms: number, code: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new ClientError(code, `no answer in ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** The browser's subscription for `key`: the existing one if it was made with it, else a new one. */
async function subscribe(env: PushEnv, reg: RegistrationLike, key: Uint8Array<ArrayBuffer>): Promise<SubscriptionLike> {
  const existing = await reg.pushManager.getSubscription();
  if (existing && sameKey(existing.options?.applicationServerKey, key)) return existing;
  // Made with another key (the server's changed): subscribe() would refuse it.
  if (existing) await existing.unsubscribe().catch(() => false);
  try {
    return await timeout(reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }), env.subscribeTimeoutMs, 'push_service_unreachable');
  } catch (e) {
    if (e instanceof ClientError) throw e;
    // Chrome: AbortError "Registration failed - permission denied" in a private
    // window, "push service not available" without one; NotAllowedError when the
    // permission went away meanwhile.
    throw new ClientError('push_subscribe_failed', String(e));
  }
}

/**
 * The click on "Enable notifications": the permission (asked only if not yet
 * granted), the server's key, the browser subscription, POSTed to the server and
 * its id remembered. Resolves with the new state (`denied` when the user said
 * no); rejects with a ClientError or the server's ApiError, for errorText.
 */
export async function enablePush(env: PushEnv): Promise<PushState> {
  if (unsupported(env)) throw new ClientError('push_unsupported');
  const n = env.notification!;
  const permission = n.permission === 'granted' ? 'granted' : await n.requestPermission();
  if (permission === 'denied') return { kind: 'denied' };
  if (permission !== 'granted') throw new ClientError('push_permission_dismissed');
  const reg = await env.activeRegistration();
  if (!reg) throw new ClientError('push_no_service_worker');
  const key = vapidKeyBytes(await getVapidPublicKey());
  const sub = await subscribe(env, reg, key);
  const j = sub.toJSON();
  if (!j.endpoint || !j.keys?.p256dh || !j.keys?.auth) throw new ClientError('push_subscribe_failed', 'subscription without endpoint or keys');
  const { id } = await addPushSubscription({ endpoint: j.endpoint, keys: { p256dh: j.keys.p256dh, auth: j.keys.auth } });
  env.store.set({ id, endpoint: j.endpoint });
  return { kind: 'on', id };
}

/**
 * The click on "Disable": the browser subscription ends first (that alone stops
 * notifications on this device), then the server is told. A server that cannot
 * be told is handed back as `serverError` (it forgets the subscription at its
 * next 404/410 anyway); a browser that cannot unsubscribe rejects, still on.
 */
export async function disablePush(env: PushEnv): Promise<{ state: PushState; serverError: unknown }> {
  const remembered = env.store.get();
  const reg = await env.currentRegistration();
  const sub = reg ? await reg.pushManager.getSubscription() : null;
  if (sub) {
    try {
      await sub.unsubscribe();
    } catch (e) {
      throw new ClientError('push_unsubscribe_failed', String(e));
    }
  }
  env.store.clear();
  let serverError: unknown = null;
  if (remembered) {
    try {
      await deletePushSubscription(remembered.id);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) serverError = e;
    }
  }
  return { state: { kind: 'off' }, serverError };
}
