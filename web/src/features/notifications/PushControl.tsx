import { ErrorText } from '../../ui/common';
import type { PushControlState } from './usePush';
import { DENIED_TEXT, OFF_TEXT, ON_TEXT, UNSUPPORTED_TEXT } from './words';

/** This device's notifications: on or off with the button that changes it, or why not. */
export function PushControl({ push }: { push: PushControlState }) {
  const s = push.state;
  return (
    <div class="push-control" data-testid="push-control" data-state={s?.kind ?? 'loading'}>
      {s === null ? (
        <p class="muted">Checking this browser…</p>
      ) : s.kind === 'unsupported' ? (
        <p class="muted" data-testid="push-unsupported">
          {UNSUPPORTED_TEXT[s.reason]}
        </p>
      ) : s.kind === 'denied' ? (
        <p class="notice" data-testid="push-denied">
          {DENIED_TEXT}
        </p>
      ) : s.kind === 'on' ? (
        <div class="row">
          <span data-testid="push-on">{ON_TEXT}</span>
          <button data-testid="push-disable" disabled={push.busy} onClick={push.disable}>
            Disable
          </button>
        </div>
      ) : (
        <div class="row">
          <span>{OFF_TEXT}</span>
          <button class="primary" data-testid="push-enable" disabled={push.busy} onClick={push.enable}>
            {push.busy ? 'Enabling…' : 'Enable notifications'}
          </button>
        </div>
      )}
      {push.notice && (
        <p class="notice" role="status">
          {push.notice}
        </p>
      )}
      <ErrorText error={push.error} />
    </div>
  );
}
