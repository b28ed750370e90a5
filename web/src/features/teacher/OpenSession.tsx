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
}: {
  session: Session;
  unmarked: number;
  busy: boolean;
  confirming: boolean;
  onConfirming: (c: boolean) => void;
  onClose: () => void;
}) {
  return (
    <section class="card session-controls">
      <p>
        Session open since {fmtTime(session.starts_at)} · late after {session.late_after_minutes} min
      </p>
      <button class="danger" onClick={() => onConfirming(true)} disabled={busy}>
        Close session
      </button>
      {confirming && <CloseSessionDialog unmarked={unmarked} busy={busy} onCancel={() => onConfirming(false)} onConfirm={onClose} />}
    </section>
  );
}
