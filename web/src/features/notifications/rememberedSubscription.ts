// The push subscription this device gave the server, per signed-in user
// (localStorage), so "Disable" can DELETE it and a reload shows it on.

import type { PushSubscriptionId } from '../../types';

export interface RememberedSubscription {
  id: PushSubscriptionId;
  /** The browser subscription's endpoint: the id counts only while that is the browser's one. */
  endpoint: string;
}

export interface SubscriptionStore {
  get(): RememberedSubscription | null;
  set(r: RememberedSubscription): void;
  clear(): void;
}

function ls(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export function subscriptionStore(userId: number): SubscriptionStore {
  const key = `rollcall.push.${userId}`;
  return {
    get() {
      try {
        const v = JSON.parse(ls()?.getItem(key) ?? 'null') as Partial<RememberedSubscription> | null;
        const idOk = typeof v?.id === 'number' || (typeof v?.id === 'string' && v.id !== '');
        return v && idOk && typeof v.endpoint === 'string' ? { id: v.id!, endpoint: v.endpoint } : null;
      } catch {
        return null;
      }
    },
    set(r) {
      try {
        ls()?.setItem(key, JSON.stringify(r));
      } catch {
        /* storage full or disabled: "on" is then not remembered across reloads */
      }
    },
    clear() {
      ls()?.removeItem(key);
    },
  };
}
