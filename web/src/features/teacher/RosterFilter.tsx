/** "Only Not yet": the students still unmarked (and those just marked from this list). */
export function RosterFilter({ on, unmarked, onChange }: { on: boolean; unmarked: number; onChange: (on: boolean) => void }) {
  return (
    <label class="check roster-filter">
      <input type="checkbox" checked={on} onChange={(e) => onChange((e.target as HTMLInputElement).checked)} />
      Show only “Not yet” ({unmarked})
    </label>
  );
}
