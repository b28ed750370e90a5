import { useEffect, useRef, useState } from 'preact/hooks';
import { loadAuth } from '../../auth';
import { linkTo, navigate } from '../../router';
import { useTitle } from '../../ui/useTitle';
import { checkInByQr, type CheckInResult } from './checkin';
import { CheckInForm } from './CheckInForm';
import { putResult } from './flash';
import { useQrClass } from './useQrClass';
import { toView } from './words';

/** `/check-in?token=...`: the QR code's link. Checks in at once (after sign-in if needed). */
export function CheckInLink({ token }: { token: string | null }) {
  useTitle('Check in');
  const [result, setResult] = useState<CheckInResult | null>(null);
  const started = useRef(false);
  const auth = loadAuth();
  // An expired token (422 invalid_code, e.g. it ran out during the sign-in): a code box for its class, here.
  const fallback = useQrClass(auth?.user.id ?? 0, token, result?.kind === 'error' && result.code === 'invalid_code');
  useEffect(() => {
    if (started.current || !auth) return;
    started.current = true;
    if (!token) {
      setResult({ kind: 'error', code: 'invalid_code', text: 'This check-in link has no code. Scan the QR code again.' });
      return;
    }
    if (auth.user.role !== 'student') {
      setResult({ kind: 'error', code: 'forbidden', text: 'Only students can check in. Sign out and sign in as a student.' });
      return;
    }
    void checkInByQr(token).then(done);
  }, [auth?.token]);
  /** Checked in (or saved offline): on to the class page with the result; else the result here. */
  function done(r: CheckInResult) {
    const classId = r.kind === 'ok' ? r.record.class_id : r.kind === 'queued' ? r.op.class_id : null;
    if (classId !== null) {
      putResult(classId, r);
      navigate(`/class/${classId}`, true);
    } else {
      setResult(r);
    }
  }
  const view = result ? toView(result) : null;
  return (
    <div class="page checkin-link">
      <h1>Check in</h1>
      {!view ? (
        <p class="muted" role="status">
          Checking you in…
        </p>
      ) : (
        <p data-testid="checkin-result" class={`result tone-${view.tone}`} role="alert">
          {view.text}
        </p>
      )}
      {fallback && (
        <section class="card checkin" data-testid="qr-fallback">
          <h2>Check in to {fallback.className} with the code</h2>
          <CheckInForm classId={fallback.classId} sessionKey={fallback.sessionKey} className={fallback.className} onResult={done} blocked={null} />
        </section>
      )}
      <p>
        <a href="/" onClick={linkTo('/')}>
          My classes
        </a>
      </p>
    </div>
  );
}
