import { usePending } from './pending';

/** The top bar's count of check-ins saved on this device, waiting to be sent. */
export function PendingBadge() {
  const n = usePending().length;
  // Nothing waiting, nothing to say (a "0" badge wrapped the phone's top bar to three lines).
  if (n === 0) return null;
  return (
    <span class="pending has" title="check-ins saved on this device, waiting to be sent">
      Waiting to send: <b data-testid="sync-pending">{n}</b>
    </span>
  );
}
