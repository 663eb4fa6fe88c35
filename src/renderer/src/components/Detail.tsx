import type { ReactNode } from 'react';
import type { Status } from '../../../shared/model.ts';
import { href, type ViewName } from '../route.ts';
import { StatusBadge } from './StatusBadge.tsx';

/** A detail view's head (a check's, a component's): the way back, the name, its status, then what follows. */
export function DetailHead({
  back,
  name,
  status,
  children,
}: {
  back: { view: ViewName; label: string };
  name: string;
  status: Status;
  children: ReactNode;
}) {
  return (
    <header className="detail-head">
      <a href={href(back.view)} className="back">
        ‹ {back.label}
      </a>
      <h2>{name}</h2>
      <StatusBadge status={status} />
      {children}
    </header>
  );
}

/** One labelled figure of a detail view. */
export function Fact({ label, value, note, testId }: { label: string; value: string; note?: string; testId?: string }) {
  return (
    <div className="fact" data-testid={testId}>
      <span className="fact-label">{label}</span>
      <span className="fact-value">{value}</span>
      {note && <span className="fact-note muted">{note}</span>}
    </div>
  );
}
