import type { ImpactRole, Status } from '../../../shared/model.ts';
import { STATUS_STYLE } from '../status-style.ts';

/** A status as glyph and word: colour is never the only cue. `compact` keeps only the glyph visible. */
export function StatusBadge({ status, stale, compact }: { status: Status; stale?: boolean; compact?: boolean }) {
  const style = STATUS_STYLE[status];
  return (
    <span
      className={`badge ${style.className}${stale ? ' is-stale' : ''}${compact ? ' is-compact' : ''}`}
      data-status={status}
      title={compact ? style.label : undefined}
    >
      <span className="glyph" aria-hidden="true">
        {style.glyph}
      </span>
      {compact ? <span className="sr-only">{style.label}</span> : style.label}
    </span>
  );
}

/**
 * What a thing is in an open incident, in words: CAUSE (solid) or KNOCK-ON (outlined); nothing
 * for a healthy one.
 */
export function RoleTag({ role, testId }: { role: ImpactRole | null | undefined; testId?: string }) {
  if (role !== 'root_cause' && role !== 'impacted') return null;
  return (
    <span className={`role-tag${role === 'impacted' ? ' is-impacted' : ''}`} data-testid={testId}>
      {role === 'root_cause' ? 'CAUSE' : 'KNOCK-ON'}
    </span>
  );
}
