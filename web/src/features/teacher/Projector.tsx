import { useEffect, useRef } from 'preact/hooks';
import { useDialogFocus } from '../../ui/useDialogFocus';

/** Full screen (or a window-covering overlay): the class, the code, the QR code. */
export function Projector({
  className,
  code,
  qrUrl,
  onExit,
}: {
  className: string;
  code: string;
  qrUrl: string | null;
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
        <div class="proj-code">{code}</div>
        {qrUrl && <img src={qrUrl} alt="QR code to check in" class="proj-qr" />}
        <button class="proj-exit" onClick={onExit}>
          Exit projector
        </button>
      </div>
    </div>
  );
}
