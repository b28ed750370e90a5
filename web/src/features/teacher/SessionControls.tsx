import { useState } from 'preact/hooks';
import { closeSession, openSession } from '../../api/client';
import { errorText } from '../../errors';
import type { Session } from '../../types';
import { OpenSession } from './OpenSession';
import { StartSession } from './StartSession';

const plural = (n: number) => `${n} student${n === 1 ? '' : 's'}`;

/**
 * Starts a session, or closes the open one (after a confirmation). The state
 * lives here, so the chosen late threshold outlasts a session.
 */
export function SessionControls({
  classId,
  session,
  unmarked,
  onNotice,
  onError,
}: {
  classId: number;
  session: Session | null;
  unmarked: number;
  onNotice: (s: string | null) => void;
  onError: (s: string | null) => void;
}) {
  const [late, setLate] = useState(5);
  // On by default: a code texted to a friend stops working within two rotations.
  const [rotating, setRotating] = useState(true);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  // What this teacher did last: the focus follows it to the new session's (or
  // the next session's) heading, since the button pressed is gone.
  const [acted, setActed] = useState<{ what: 'started' | 'closed'; id: number } | null>(null);

  async function start() {
    setBusy(true);
    onError(null);
    onNotice(null);
    try {
      const s = await openSession(classId, { late_after_minutes: late, rotating_code: rotating });
      setActed({ what: 'started', id: s.id });
      onNotice(`Session started. Students are late after ${late} min.`);
    } catch (e) {
      onError(errorText(e, 'session'));
    } finally {
      setBusy(false);
    }
  }

  async function close() {
    if (!session) return;
    setBusy(true);
    onError(null);
    try {
      const r = await closeSession(session.id);
      setActed({ what: 'closed', id: session.id });
      onNotice(`Session closed. ${plural(r.marked_absent)} marked absent.`);
    } catch (e) {
      onError(errorText(e, 'session'));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  if (!session || session.status === 'closed') {
    return <StartSession last={session} late={late} onLate={setLate} rotating={rotating} onRotating={setRotating} busy={busy} onStart={start} focusHeading={acted?.what === 'closed' && acted.id === session?.id} />;
  }
  return (
    <OpenSession
      session={session}
      unmarked={unmarked}
      busy={busy}
      confirming={confirming}
      onConfirming={setConfirming}
      onClose={close}
      focusHeading={acted?.what === 'started' && acted.id === session.id}
    />
  );
}
