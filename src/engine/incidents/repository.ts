import type { IncidentEvent, IncidentView } from '../../shared/model.ts';

/**
 * Where incidents are kept. Every method is synchronous and durable on return, so an incident
 * is written before it is shown. The history store (src/engine/store) implements it on SQLite;
 * `MemoryIncidentRepository` keeps everything in memory (no data dir, unit tests).
 */
export interface IncidentRepository {
  /** Upserts everything but `events`. */
  saveIncident(incident: IncidentView): void;
  appendIncidentEvent(incidentId: string, event: IncidentEvent): void;
  /** Incidents open at or after `since`, newest opened first, each with its events in order. */
  loadIncidents(options: { since?: number; limit?: number; openOnly?: boolean }): IncidentView[];
}

export class MemoryIncidentRepository implements IncidentRepository {
  private readonly incidents = new Map<string, IncidentView>();

  saveIncident(incident: IncidentView): void {
    const events = this.incidents.get(incident.id)?.events ?? [];
    this.incidents.set(incident.id, structuredClone({ ...incident, events }));
  }

  appendIncidentEvent(incidentId: string, event: IncidentEvent): void {
    this.incidents.get(incidentId)?.events.push(structuredClone(event));
  }

  loadIncidents(options: { since?: number; limit?: number; openOnly?: boolean }): IncidentView[] {
    const since = options.since ?? 0;
    return [...this.incidents.values()]
      .filter((i) => i.state === 'open' || i.openedAt >= since || (i.resolvedAt ?? 0) >= since)
      .filter((i) => !options.openOnly || i.state === 'open')
      .sort((a, b) => b.openedAt - a.openedAt)
      .slice(0, options.limit ?? 100)
      .map((i) => structuredClone(i));
  }
}
