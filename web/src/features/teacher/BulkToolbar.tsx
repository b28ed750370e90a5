import { useState } from 'preact/hooks';
import { STATUS_LABEL } from '../../live/roster';
import type { Status } from '../../types';
import { SETTABLE } from './labels';

/** Set the selected students to one status; mark the remaining ones absent. */
export function BulkToolbar({
  busy,
  selected,
  unmarked,
  onApply,
  onMarkRemaining,
}: {
  busy: boolean;
  /** How many students are selected. */
  selected: number;
  unmarked: number;
  onApply: (status: Status) => void;
  onMarkRemaining: () => void;
}) {
  const [status, setStatus] = useState<Status>('present');
  return (
    <div class="toolbar">
      <div class="row">
        <label>
          Set selected to{' '}
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value as Status)}>
            {SETTABLE.map((s) => (
              <option value={s} key={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        <button disabled={busy || selected === 0} onClick={() => onApply(status)}>
          Apply to selected ({selected})
        </button>
      </div>
      <button disabled={busy || unmarked === 0} onClick={onMarkRemaining}>
        Mark remaining absent
      </button>
    </div>
  );
}
