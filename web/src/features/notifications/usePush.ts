import { useEffect, useMemo, useState } from 'preact/hooks';
import { errorText } from '../../errors';
import { browserPushEnv } from './browserPush';
import { disablePush, enablePush, readPushState, type PushState } from './pushSetup';

export interface PushControlState {
  /** null until read. */
  state: PushState | null;
  busy: boolean;
  error: string | null;
  notice: string | null;
  enable: () => void;
  disable: () => void;
}

/** This device's push state for the user, with the clicks that change it. */
export function usePush(userId: number): PushControlState {
  const env = useMemo(() => browserPushEnv(userId), [userId]);
  const [state, setState] = useState<PushState | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    readPushState(env).then(
      (s) => !stop && setState(s),
      (e) => {
        if (stop) return;
        setState({ kind: 'off' });
        setError(errorText(e));
      },
    );
    return () => {
      stop = true;
    };
  }, [env]);

  async function run(what: () => Promise<PushState>) {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      setState(await what());
    } catch (e) {
      setError(errorText(e, 'general', 'Notifications could not be changed. Try again.'));
    } finally {
      setBusy(false);
    }
  }
  return {
    state,
    busy,
    error,
    notice,
    // enablePush asks for the permission before its first await: still inside the click.
    enable: () => void run(() => enablePush(env)),
    disable: () =>
      void run(async () => {
        const r = await disablePush(env);
        if (r.serverError) setNotice(`Notifications are off on this device, but the server was not told: ${errorText(r.serverError)}`);
        return r.state;
      }),
  };
}
