import { useState } from 'preact/hooks';
import { exportAttendanceCsv, exportReportCsv, getReport, type CsvExport } from '../../api/client';
import { errorText } from '../../errors';
import type { DateRange, ReportRow } from '../../types';
import { DateRangeFields } from '../../ui/DateRangeFields';
import { ErrorText, SubPageHead } from '../../ui/common';
import { saveBlob } from '../../ui/download';
import { fmtPercent } from '../../ui/format';
import { useRetrying } from '../../ui/useRetrying';
import { useClassDetail } from './useClassDetail';

const COLUMNS: [keyof ReportRow, string][] = [
  ['present', 'Present'],
  ['late', 'Late'],
  ['absent', 'Absent'],
  ['excused', 'Excused'],
  ['unmarked', 'Not marked'],
  ['sessions', 'Sessions'],
];

/**
 * The class's report: each student's totals and attendance rate over a date
 * range (the district's dates), and the same range as CSV files.
 */
export function ReportPage({ classId }: { classId: number }) {
  const { detail } = useClassDetail(classId);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [range, setRange] = useState<DateRange>({});
  const { data, error } = useRetrying(() => getReport(classId, range), `${classId} ${range.from ?? ''} ${range.to ?? ''}`);
  const [busy, setBusy] = useState(false);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const name = detail?.name ?? `Class ${classId}`;

  async function download(get: () => Promise<CsvExport>, fallback: string) {
    setBusy(true);
    setDownloadError(null);
    try {
      const { blob, filename } = await get();
      saveBlob(blob, filename ?? fallback);
    } catch (err) {
      setDownloadError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const rangeText = range.from || range.to ? `from ${range.from || 'the first session'} to ${range.to || 'today'}` : 'every session';
  return (
    <div class="page report">
      <SubPageHead title={`${name}: report`} back={`/class/${classId}`} backLabel={`Back to ${name}`} />
      <form
        class="card row"
        aria-label="Date range"
        onSubmit={(e) => {
          e.preventDefault();
          setRange({ from, to });
        }}
      >
        <DateRangeFields from={from} to={to} onFrom={setFrom} onTo={setTo} />
        <button type="submit" class="primary">
          Show report
        </button>
      </form>
      <ErrorText error={error ? errorText(error) : null} />
      {!data && !error && <p class="muted">Loading the report…</p>}
      {data && (
        <section class="card table-wrap" aria-labelledby="report-title">
          <h2 id="report-title">Students, {rangeText}</h2>
          <p class="muted small">The rate is present and late out of present, late and absent; excused sessions do not count.</p>
          <table class="roster-table report-table" data-testid="report-table">
            <thead>
              <tr>
                <th scope="col">Student</th>
                {COLUMNS.map(([k, label]) => (
                  <th scope="col" key={k}>
                    {label}
                  </th>
                ))}
                <th scope="col">Rate</th>
              </tr>
            </thead>
            <tbody>
              {data.students.map((s) => (
                <tr key={s.student_id} data-testid="report-row" data-student-id={s.student_id}>
                  <th scope="row" class="name">
                    {s.student_name}
                  </th>
                  {COLUMNS.map(([k]) => (
                    <td key={k} data-col={k}>
                      {s[k]}
                    </td>
                  ))}
                  <td data-col="rate">{fmtPercent(s.attendance_rate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.truncated && <p class="muted small">Only the newest sessions of the range are counted: choose a shorter range.</p>}
        </section>
      )}
      <section class="card" aria-labelledby="report-downloads">
        <h2 id="report-downloads">Download ({rangeText})</h2>
        <div class="row">
          <button type="button" disabled={busy} onClick={() => download(() => exportReportCsv(classId, range), `class-${classId}-report.csv`)}>
            Download report (CSV)
          </button>
          <button type="button" disabled={busy} onClick={() => download(() => exportAttendanceCsv(classId, range), `class-${classId}-attendance.csv`)}>
            Download attendance (CSV)
          </button>
        </div>
        <ErrorText error={downloadError} />
      </section>
    </div>
  );
}
