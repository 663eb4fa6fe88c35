import type { Status } from '../../../shared/model.ts';
import { STATUS_STYLE } from '../status-style.ts';

export function StatusBadge({ status, stale }: { status: Status; stale?: boolean }) {
  const style = STATUS_STYLE[status];
  return (
    <span className={`badge ${style.className}${stale ? ' is-stale' : ''}`} data-status={status}>
      <span className="glyph" aria-hidden="true">
        {style.glyph}
      </span>
      {style.label}
    </span>
  );
}
