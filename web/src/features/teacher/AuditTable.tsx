import { STATUS_LABEL } from '../../live/roster';
import type { AuditEntry } from '../../types';
import { fmtTime } from '../../ui/format';
import { methodLabel } from './labels';
import { OfflineBadge } from './OfflineBadge';

/** Audit entries, oldest first, those from offline sync marked; `names` maps user ids
 * (students, teachers) to names. */
export function AuditTable({ entries, names }: { entries: AuditEntry[]; names: Map<number, string> }) {
  const who = (id: number) => names.get(id) ?? `#${id}`;
  return (
    <table class="audit-table" data-testid="audit-table">
      <thead>
        <tr>
          <th>Time</th>
          <th>Student</th>
          <th>Change</th>
          <th>How</th>
          <th>By</th>
          <th>Reason</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e, i) => (
          <tr key={i} data-testid="audit-entry" data-offline={e.offline ? 'true' : 'false'}>
            <td>{fmtTime(e.at)}</td>
            <td>{who(e.student_id)}</td>
            <td>
              {STATUS_LABEL[e.from] ?? e.from} → {STATUS_LABEL[e.to] ?? e.to}
            </td>
            <td>
              {methodLabel(e.method)} <OfflineBadge offline={e.offline} syncedAt={e.at} />
            </td>
            <td>{e.actor_id === e.student_id ? 'the student' : who(e.actor_id)}</td>
            <td>{e.reason ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
