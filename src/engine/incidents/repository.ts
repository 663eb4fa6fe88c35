import type { IncidentEvent, IncidentView } from '../../shared/model.ts';

/**
 * Where incidents are kept. The history store (src/engine/store) implements it on SQLite: a
 * HistoryStore durably on return, the engine's StoreClient on the store thread, in order, with
 * `afterWritten` saying when what was written so far is committed. `MemoryIncidentRepository`
 * keeps everything in memory (unit tests). Whoever shows a change shows it from afterWritten, so
 * an incident is written before it is shown.
 */
export interface IncidentRepository {
  /** Calls `show` once every write made so far is durable; absent: each is durable on return. */
  afterWritten?(show: () => void): void;
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
