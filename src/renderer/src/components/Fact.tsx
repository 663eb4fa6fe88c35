/** One labelled figure of a detail view (a check's, a component's). */
export function Fact({ label, value, note, testId }: { label: string; value: string; note?: string; testId?: string }) {
  return (
    <div className="fact" data-testid={testId}>
      <span className="fact-label">{label}</span>
      <span className="fact-value">{value}</span>
      {note && <span className="fact-note muted">{note}</span>}
    </div>
  );
}
