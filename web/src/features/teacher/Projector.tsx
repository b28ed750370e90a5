import { useEffect, useRef } from 'preact/hooks';
import { useDialogFocus } from '../../ui/useDialogFocus';
import { QrImage } from './QrImage';
import type { RotatingQr } from './useRotatingQr';

/** Full screen (or a window-covering overlay): the class, the code, the QR code. */
export function Projector({
  className,
  code,
  qr,
  stale,
  onExit,
}: {
  className: string;
  code: string;
  qr: RotatingQr;
  /** Why the code and QR code may not work now (staleQr.ts), or null. */
  stale: string | null;
  onExit: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
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
        <h2 class="proj-title">{className}: check in</h2>
        {stale && (
          <p class="stale-warning proj-stale" role="alert" data-testid="projector-stale">
            {stale}
          </p>
        )}
        <div class={`proj-code${stale ? ' stale' : ''}`}>{code}</div>
        <QrImage qr={qr} stale={!!stale} className="proj-qr" testId="projector-qr" />
        <button class="proj-exit" onClick={onExit}>
          Exit projector
        </button>
      </div>
    </div>
  );
}
