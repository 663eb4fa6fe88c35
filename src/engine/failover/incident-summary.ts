import type { FailoverPolicyConfig } from '../../shared/config/failover.ts';
import type { IncidentLog } from '../incidents/api.ts';
import type { IncidentSummary } from './actions/types.ts';

/** The open incident of a policy's watched check or component, as action messages name it. */
export function incidentSummary(
  incidents: IncidentLog | null | undefined,
  watch: FailoverPolicyConfig['watch'],
): IncidentSummary | null {
  const subject = 'check' in watch ? watch.check : 'component' in watch ? watch.component : null;
  if (!incidents || subject === null) return null;
  try {
    const open = incidents.openIncidentFor(subject);
    return open ? { id: open.id, title: open.title, severity: open.severity, rootCause: open.rootCause.name } : null;
  } catch {
    // A message without its incident beats a failover step that fails for the want of one.
    return null;
  }
}
