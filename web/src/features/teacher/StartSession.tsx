import { useEffect, useRef } from 'preact/hooks';
import type { Session } from '../../types';
import { fmtTime } from '../../ui/format';

const LATE_CHOICES = [0, 1, 2, 5, 10, 15, 20, 30, 45, 60];

/** No open session: the last one (if any), the late threshold, and Start. */
export function StartSession({
  last,
  late,
  onLate,
  rotating,
  onRotating,
  busy,
  onStart,
  focusHeading,
}: {
  /** The class's last session (closed), or null. */
  last: Session | null;
  late: number;
  onLate: (minutes: number) => void;
  /** The code changes with the QR code (`rotating_code`). */
  rotating: boolean;
  onRotating: (r: boolean) => void;
  busy: boolean;
  onStart: () => void;
  /** Move the keyboard focus to the heading (this teacher just closed the session). */
  focusHeading: boolean;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focusHeading) heading.current?.focus();
  }, [focusHeading]);
  return (
    <section class="card session-controls">
      <h2 ref={heading} tabIndex={-1}>
        Start a session
      </h2>
      <p>
        {last ? (
          <>
            Last session closed at {fmtTime(last.closed_at)} (started {fmtTime(last.starts_at)}).
          </>
        ) : (
          'No session is open.'
        )}
      </p>
      <div class="row">
        <label>
          Late after{' '}
          <select value={late} onChange={(e) => onLate(Number((e.target as HTMLSelectElement).value))}>
            {LATE_CHOICES.map((m) => (
              <option value={m} key={m}>
                {m} min
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={rotating} onChange={(e) => onRotating((e.target as HTMLInputElement).checked)} /> Change the code
          with the QR code
        </label>
        <button class="primary" onClick={onStart} disabled={busy}>
          Start session
        </button>
      </div>
    </section>
  );
}
