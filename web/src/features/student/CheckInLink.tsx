import { useEffect, useRef, useState } from 'preact/hooks';
import { loadAuth } from '../../auth';
import { linkTo, navigate } from '../../router';
import { useTitle } from '../../ui/useTitle';
import { checkInByQr, type CheckInResult } from './checkin';
import { putResult } from './flash';
import { toView } from './words';

/** `/check-in?token=...`: the QR code's link. Checks in at once (after sign-in if needed). */
export function CheckInLink({ token }: { token: string | null }) {
  useTitle('Check in');
  const [result, setResult] = useState<CheckInResult | null>(null);
  const started = useRef(false);
  const auth = loadAuth();
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
    void checkInByQr(token).then((r) => {
      const classId = r.kind === 'ok' ? r.record.class_id : r.kind === 'queued' ? r.op.class_id : null;
      if (classId !== null) {
        putResult(classId, r);
        navigate(`/class/${classId}`, true);
      } else {
        setResult(r);
      }
    });
  }, [auth?.token]);
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
      <p>
        <a href="/" onClick={linkTo('/')}>
          My classes
        </a>
      </p>
    </div>
  );
}
