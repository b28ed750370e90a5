import { useState } from 'preact/hooks';
import type { Session } from '../../types';
import { ErrorText } from '../../ui/common';
import { Projector } from './Projector';
import { useRotatingQr } from './useRotatingQr';

/** The verification code and the rotating QR code, with a projector mode. */
export function CodeAndQr({ session }: { session: Session }) {
  const qr = useRotatingQr(session.id);
  const [projector, setProjector] = useState(false);
  const code = session.verification_code ?? '';
  return (
    <section class="card code-qr" aria-labelledby="code-qr-title">
      <h2 id="code-qr-title" class="sr-only">
        How students check in
      </h2>
      <div class="code-block">
        <div class="label">Verification code</div>
        <div class="code" data-testid="verification-code" aria-label={`verification code ${code.split('').join(' ')}`}>
          {code}
        </div>
        <button onClick={() => setProjector(true)}>Projector mode</button>
      </div>
      <div class="qr-block">
        {qr.url ? (
          <img data-testid="qr-image" src={qr.url} alt="QR code to check in" data-check-in-url={qr.info?.check_in_url ?? ''} class="qr" />
        ) : (
          <div class="qr placeholder">Loading QR code…</div>
        )}
      </div>
      <ErrorText error={qr.error} />
      {projector && <Projector className={session.class_name} code={code} qrUrl={qr.url} onExit={() => setProjector(false)} />}
    </section>
  );
}
