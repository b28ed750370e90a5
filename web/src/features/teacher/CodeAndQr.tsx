import { useState } from 'preact/hooks';
import type { ConnectionStatus } from '../../live/feed';
import type { Counts, Session } from '../../types';
import { ErrorText } from '../../ui/common';
import { Projector } from './Projector';
import { QrImage } from './QrImage';
import { staleQrText } from './staleQr';
import { useRotatingQr } from './useRotatingQr';

/**
 * The verification code and the rotating QR code, with a projector mode. A
 * rotating code (the QR answer has `code_expires_at`) is the QR answer's, renewed
 * with the QR code; a static one is the session's.
 */
export function CodeAndQr({ session, status, counts }: { session: Session; status: ConnectionStatus; counts: Counts | null }) {
  const qr = useRotatingQr(session.id);
  const [projector, setProjector] = useState(false);
  const rotating = !!qr.info?.code_expires_at;
  const code = (rotating ? qr.info?.verification_code : undefined) ?? session.verification_code ?? '';
  const stale = staleQrText(status, qr.expired);
  return (
    <section class="card code-qr" aria-labelledby="code-qr-title">
      <h2 id="code-qr-title" class="sr-only">
        How students check in
      </h2>
      {stale && (
        <p class="stale-warning" role="alert" data-testid="stale-warning">
          {stale}
        </p>
      )}
      <div class="code-block">
        <div class="label">Verification code</div>
        <div class={`code${stale ? ' stale' : ''}`} data-testid="verification-code" aria-label={`verification code ${code.split('').join(' ')}`}>
          {code}
        </div>
        {rotating && <p class="muted small">The code changes with the QR code.</p>}
        <button onClick={() => setProjector(true)}>Projector mode</button>
      </div>
      <div class="qr-block">
        <QrImage qr={qr} stale={!!stale} className="qr" testId="qr-image" />
      </div>
      <ErrorText error={qr.error} />
      {projector && <Projector session={session} counts={counts} code={code} qr={qr} stale={stale} onExit={() => setProjector(false)} />}
    </section>
  );
}
