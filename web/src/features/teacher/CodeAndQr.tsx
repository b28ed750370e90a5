import { useState } from 'preact/hooks';
import type { ConnectionStatus } from '../../live/feed';
import type { Session } from '../../types';
import { ErrorText } from '../../ui/common';
import { Projector } from './Projector';
import { QrImage } from './QrImage';
import { staleQrText } from './staleQr';
import { useRotatingQr } from './useRotatingQr';

/** The verification code and the rotating QR code, with a projector mode. */
export function CodeAndQr({ session, status }: { session: Session; status: ConnectionStatus }) {
  const qr = useRotatingQr(session.id);
  const [projector, setProjector] = useState(false);
  const code = session.verification_code ?? '';
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
        <button onClick={() => setProjector(true)}>Projector mode</button>
      </div>
      <div class="qr-block">
        <QrImage qr={qr} stale={!!stale} className="qr" testId="qr-image" />
      </div>
      <ErrorText error={qr.error} />
      {projector && <Projector className={session.class_name} code={code} qr={qr} stale={stale} onExit={() => setProjector(false)} />}
    </section>
  );
}
