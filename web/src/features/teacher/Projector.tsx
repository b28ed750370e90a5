import { useEffect, useRef } from 'preact/hooks';
import type { Counts, Session } from '../../types';
import { useDialogFocus } from '../../ui/useDialogFocus';
import { useNow } from '../../ui/useNow';
import { checkedInText, lateCountdownText } from './projectorText';
import { QrImage } from './QrImage';
import type { RotatingQr } from './useRotatingQr';

/**
 * Full screen (or a window-covering overlay): the class, the code, the QR code,
 * how many have checked in (live) and the time left before arrivals are late.
 */
export function Projector({
  session,
  counts,
  code,
  qr,
  stale,
  onExit,
}: {
  session: Session;
  /** The live roster's counts, or null before the first snapshot. */
  counts: Counts | null;
  code: string;
  qr: RotatingQr;
  /** Why the code and QR code may not work now (staleQr.ts), or null. */
  stale: string | null;
  onExit: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const now = useNow(1000);
  useDialogFocus(ref, onExit);
  useEffect(() => {
    ref.current?.requestFullscreen?.().catch(() => {
      /* the overlay covers the window anyway */
    });
    const onFs = () => {
      if (!document.fullscreenElement) onExit();
    };
    document.addEventListener('fullscreenchange', onFs);
    return () => {
      document.removeEventListener('fullscreenchange', onFs);
      if (document.fullscreenElement) void document.exitFullscreen?.().catch(() => undefined);
    };
  }, []);
  return (
    <div class="projector" ref={ref} role="dialog" aria-modal="true" aria-label="Projector mode">
      <div class="proj-inner">
        <h2 class="proj-title">{session.class_name}: check in</h2>
        {stale && (
          <p class="stale-warning proj-stale" role="alert" data-testid="projector-stale">
            {stale}
          </p>
        )}
        <div class={`proj-code${stale ? ' stale' : ''}`} data-testid="projector-code">
          {code}
        </div>
        <p class="proj-stats">
          <span data-testid="projector-count" aria-live="polite">
            {checkedInText(counts)}
          </span>
          <span class="proj-late" data-testid="projector-late">
            {lateCountdownText(session, now)}
          </span>
        </p>
        <QrImage qr={qr} stale={!!stale} className="proj-qr" testId="projector-qr" />
        <button class="proj-exit" onClick={onExit}>
          Exit projector
        </button>
      </div>
    </div>
  );
}
