import { useState } from 'preact/hooks';
import { exportAttendanceCsv } from '../../api/client';
import { errorText } from '../../errors';
import { DateRangeFields } from '../../ui/DateRangeFields';
import { ErrorText } from '../../ui/common';
import { saveBlob } from '../../ui/download';

/** Downloads the class's attendance as CSV, for an optional date range. */
export function CsvExport({ classId }: { classId: number }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function download(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { blob, filename } = await exportAttendanceCsv(classId, { from, to });
      saveBlob(blob, filename ?? `class-${classId}-attendance.csv`);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card csv">
      <h2>Download attendance</h2>
      <form class="row" onSubmit={download}>
        <DateRangeFields from={from} to={to} onFrom={setFrom} onTo={setTo} />
        <button type="submit" disabled={busy}>
          Download CSV
        </button>
      </form>
      <ErrorText error={error} />
    </section>
  );
}
