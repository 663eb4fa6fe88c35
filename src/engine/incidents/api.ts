import type { IncidentEvent, IncidentView } from '../../shared/model.ts';

/**
 * What other engine modules (failover) may do with incidents. Every change is written to the
 * store before it is shown.
 */
export interface IncidentLog {
  /**
   * Adds an event (failover started, DNS changed…) to the open incident of `subjectId`'s root
   * cause, where `subjectId` is a component or check id: the incident it is the root cause of,
   * or the one it is impacted by. Returns that incident's id; null when none is open yet, in
   * which case the event joins the incident when it opens.
   */
  addEvent(subjectId: string, event: IncidentEvent): string | null;
  /** Adds an event to an incident by id (open or recently resolved); false when unknown. */
  addEventToIncident(incidentId: string, event: IncidentEvent): boolean;
  /** The open incident a component or check belongs to (as root cause or impacted), if any. */
  openIncidentFor(subjectId: string): IncidentView | null;
  /** Open and recently resolved incidents, newest first. */
  list(): IncidentView[];
}
