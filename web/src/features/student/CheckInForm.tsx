import { useRef, useState } from 'preact/hooks';
import { CODE_DIGITS } from '../../api/limits';
import { checkInByCode, type CheckInResult } from './checkin';

/** The code entry: checks in online, or saves the check-in while offline. */
export function CheckInForm({
  classId,
  sessionKey,
  className,
  onResult,
  blocked,
}: {
  classId: number;
  /** Which session the wrong-code count is for. */
  sessionKey: string;
  className: string;
  onResult: (r: CheckInResult) => void;
  /** Why the box is closed (checked in, session closed, too many wrong codes); null: open. */
  blocked: string | null;
}) {
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  // A second submit before the first answered (double click, Enter twice) is
  // ignored: the button's disabled state only applies after a render.
  const inFlight = useRef(false);
  async function submit(e: Event) {
    e.preventDefault();
    if (inFlight.current || blocked) return;
    inFlight.current = true;
    setBusy(true);
    try {
      const r = await checkInByCode(classId, code.trim(), sessionKey, className);
      onResult(r);
      if (r.kind !== 'error') setCode('');
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit}>
      <label class="field big">
        {`${CODE_DIGITS}-digit code`}
        <input
          data-testid="checkin-code-input"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern={`[0-9]{${CODE_DIGITS}}`}
          maxLength={CODE_DIGITS}
          value={code}
          disabled={!!blocked}
          aria-describedby={blocked ? 'checkin-blocked' : undefined}
          placeholder="123456"
          onInput={(e) => setCode((e.target as HTMLInputElement).value.replace(/\D/g, '').slice(0, CODE_DIGITS))}
        />
      </label>
      <button data-testid="checkin-submit" class="primary big" type="submit" disabled={busy || !!blocked || code.length !== CODE_DIGITS}>
        Check in
      </button>
      {blocked && (
        <p class="notice" id="checkin-blocked" data-testid="checkin-blocked">
          {blocked}
        </p>
      )}
    </form>
  );
}
