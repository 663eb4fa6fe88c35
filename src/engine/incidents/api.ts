import type { IncidentEvent, IncidentView } from '../../shared/model.ts';
import type { Announcement } from '../notify/announce.ts';

/** An alert rule's instance starting or ending to fire (for failover policies that watch alerts). */
export interface AlertSignal {
  rule: string;
  subject: { kind: 'check' | 'component'; id: string };
  labels: Readonly<Record<string, string>>;
  firing: boolean;
  at: number;
}

/**
 * What other engine modules (failover) may do with incidents. Every change is written to the
 * store before it is shown.
 */
export interface IncidentLog {
  /**
   * Adds events to an incident by id (open or recently resolved), in time order among its own;
   * `detectedAt` moves the incident's detection earlier when the events know of an earlier start
   * (a failover's audit from before a restart). False when the incident is unknown.
   */
  addEventsToIncident(incidentId: string, events: readonly IncidentEvent[], options?: { detectedAt?: number }): boolean;
  /** The open incident a component or check belongs to (as root cause or impacted), if any. */
  openIncidentFor(subjectId: string): IncidentView | null;
  /** Open and recently resolved incidents, newest first. */
  list(): IncidentView[];
  /** Called once for each incident that opens, after it is written; returns an unsubscribe. */
  onOpened(listener: (incident: IncidentView) => void): () => void;
  /** Called for each alert that starts or stops firing; returns an unsubscribe. */
  onAlert(listener: (signal: AlertSignal) => void): () => void;
  /**
   * Asked when an incident resolves: work still pending for it (a failback not yet done), which
   * its resolution then states ("resolved; failback pending: …").
   */
  pendingWork(ask: (incidentId: string) => string | null): void;
  /** Tells receivers at once about a state an engineer must act on (see notify/announce.ts). */
  announce(announcement: Announcement): void;
}
