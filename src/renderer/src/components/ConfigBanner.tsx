import type { ConfigState } from '../../../shared/model.ts';

/** Shown while the config on disk is invalid: the last good config keeps running. */
export function ConfigBanner({ config }: { config: ConfigState }) {
  if (!config.error) return null;
  return (
    <section className="config-banner" role="alert" data-testid="config-error">
      <strong>Config error — still running the last good config from {config.source}</strong>
      <ul>
        {config.error.issues.slice(0, 5).map((issue, i) => (
          <li key={i}>
            <code>
              {issue.file}
              {issue.line !== null ? `:${issue.line}:${issue.column}` : ''}
            </code>{' '}
            <code>{issue.field}</code> {issue.message}
          </li>
        ))}
        {config.error.issues.length > 5 && <li>…and {config.error.issues.length - 5} more</li>}
      </ul>
    </section>
  );
}
