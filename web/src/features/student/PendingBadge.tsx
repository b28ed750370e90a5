import { usePending } from './pending';

/** The top bar's count of check-ins saved on this device, waiting to be sent. */
export function PendingBadge() {
  const n = usePending().length;
  return (
    <span class={`pending ${n ? 'has' : ''}`} title="check-ins saved on this device, waiting to be sent">
      Waiting to send: <b data-testid="sync-pending">{n}</b>
    </span>
  );
}
