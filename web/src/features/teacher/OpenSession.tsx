import { useEffect, useRef } from 'preact/hooks';
import type { Session } from '../../types';
import { fmtTime } from '../../ui/format';
import { CloseSessionDialog } from './CloseSessionDialog';

/** The open session: since when, the late threshold, and Close (confirmed first). */
export function OpenSession({
  session,
  unmarked,
  busy,
  confirming,
  onConfirming,
  onClose,
  focusHeading,
}: {
  session: Session;
  unmarked: number;
  busy: boolean;
  confirming: boolean;
  onConfirming: (c: boolean) => void;
  onClose: () => void;
  /** Move the keyboard focus to the heading (this teacher just started the session). */
  focusHeading: boolean;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focusHeading) heading.current?.focus();
  }, [focusHeading]);
  return (
    <section class="card session-controls">
      <h2 ref={heading} tabIndex={-1}>
        Session open since {fmtTime(session.starts_at)} · late after {session.late_after_minutes} min
      </h2>
      <button class="danger" onClick={() => onConfirming(true)} disabled={busy}>
        Close session
      </button>
      {confirming && <CloseSessionDialog unmarked={unmarked} busy={busy} onCancel={() => onConfirming(false)} onConfirm={onClose} />}
    </section>
  );
}
