import type { ProbeResult } from '../../../shared/model.ts';

/** Prometheus checks: the series the last query returned, failing ones marked, labels as Prometheus prints them. */
export function SeriesPanel({ latest }: { latest: ProbeResult | undefined }) {
  const answer = latest?.prometheus;
  if (!answer) return null;
  return (
    <>
      <h3>Series</h3>
      <p data-testid="promql-series-count">
        {answer.total} series{answer.total > answer.series.length ? ` (first ${answer.series.length} kept)` : ''}
      </p>
      {answer.series.length > 0 && (
        <table className="data-table" data-testid="promql-series">
          <thead>
            <tr>
              <th>Labels</th>
              <th>Value</th>
            </tr>
          </thead>
          <tbody>
            {answer.series.map((s) => (
              <tr key={s.id} className={s.failing ? 'is-error' : undefined}>
                <td>
                  <code>
                    {Object.entries(s.labels)
                      .map(([k, v]) => `${k}="${v}"`)
                      .join(', ')}
                  </code>
                </td>
                <td>{String(s.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
