import { useEffect, useMemo, useState } from 'preact/hooks';
import { getAudit } from '../../api/client';
import { errorText } from '../../errors';
import type { AuditEntry, ClassDetail, Session } from '../../types';
import { ErrorText } from '../../ui/common';
import { AuditTable } from './AuditTable';

/** The session's audit log, on demand; reloaded after every live change (`version`). */
export function AuditPanel({ session, detail, version }: { session: Session; detail: ClassDetail | null; version: number }) {
  const [open, setOpen] = useState(false);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const names = useMemo(() => {
    const m = new Map<number, string>();
    for (const t of detail?.teachers ?? []) m.set(t.id, t.name);
    for (const s of detail?.students ?? []) m.set(s.id, s.name);
    return m;
  }, [detail]);
  useEffect(() => {
    if (!open) return;
    let stop = false;
    const t = setTimeout(() => {
      getAudit(session.id)
        .then((list) => !stop && (setEntries(list), setError(null)))
        .catch((e) => !stop && setError(errorText(e)));
    }, 150);
    return () => {
      stop = true;
      clearTimeout(t);
    };
  }, [open, session.id, version]);
  return (
    <section class="card audit">
      <h2>Audit log</h2>
      <button aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Hide audit log' : 'Show audit log'}
      </button>
      {open && (
        <>
          <ErrorText error={error} />
          {entries === null ? (
            <p class="muted">Loading…</p>
          ) : entries.length === 0 ? (
            <p class="muted">No changes yet.</p>
          ) : (
            <AuditTable entries={entries} names={names} />
          )}
        </>
      )}
    </section>
  );
}
