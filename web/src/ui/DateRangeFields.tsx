/** The From and To date inputs of a date-range form (report, CSV download). */
export function DateRangeFields({
  from,
  to,
  onFrom,
  onTo,
}: {
  from: string;
  to: string;
  onFrom: (value: string) => void;
  onTo: (value: string) => void;
}) {
  return (
    <>
      <label>
        From <input type="date" value={from} onInput={(e) => onFrom((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        To <input type="date" value={to} onInput={(e) => onTo((e.target as HTMLInputElement).value)} />
      </label>
    </>
  );
}
