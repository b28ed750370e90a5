import type { RotatingQr } from './useRotatingQr';

/**
 * The QR code, or what stands in for it: an expired one is not shown at all (a
 * phone would scan it and be refused), one that may be out of date is faded.
 */
export function QrImage({ qr, stale, className, testId }: { qr: RotatingQr; stale: boolean; className: string; testId?: string }) {
  if (qr.expired) {
    return (
      <div class={`${className} placeholder`} data-testid={testId && `${testId}-expired`}>
        QR code expired
      </div>
    );
  }
  if (!qr.url) return <div class={`${className} placeholder`}>Loading QR code…</div>;
  return (
    <img
      data-testid={testId}
      src={qr.url}
      alt={stale ? 'QR code to check in (may be out of date)' : 'QR code to check in'}
      data-check-in-url={qr.info?.check_in_url ?? ''}
      data-stale={stale ? 'true' : 'false'}
      class={`${className}${stale ? ' stale' : ''}`}
    />
  );
}
