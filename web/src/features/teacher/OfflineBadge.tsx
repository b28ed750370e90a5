import { fmtTime } from '../../ui/format';

/** What the teacher is told about a version that came from offline sync: the
 * student's device chose its time (API.md §6), so the row says so, with when the
 * server received it. */
export function offlineTitle(syncedAt: string | null): string {
  const when = fmtTime(syncedAt);
  return when
    ? `Synced from an offline device at ${when}; the device's clock set the check-in time`
    : "Synced from an offline device; the device's clock set the check-in time";
}

/** The "offline" badge of a roster row or audit entry; nothing when `offline` is false. */
export function OfflineBadge({ offline, syncedAt }: { offline: boolean | undefined; syncedAt?: string | null }) {
  if (!offline) return null;
  return (
    <span class="badge b-offline" data-testid="offline-badge" title={offlineTitle(syncedAt ?? null)}>
      offline
    </span>
  );
}
