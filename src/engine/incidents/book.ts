/**
 * Incidents: one per root cause. Firing alerts on the root cause open it; alerts on the
 * components it impacts fold into it instead of opening their own (Alertmanager's inhibition,
 * made automatic by the topology). Every change is written to the repository before the
 * caller publishes it. Time always comes in as an argument.
 */
import { describeSeenBy } from '../../shared/seen-by.ts';
import type { ActorRef } from '../../shared/actor.ts';
import type { IncidentEvent, IncidentView, Severity } from '../../shared/model.ts';
import type { AlertInstance, AlertTransition } from '../alerting/evaluate.ts';
import { subjectKey, type SubjectRef, type Topology } from '../analysis/topology.ts';
import type { IncidentRepository } from './repository.ts';

const SEVERITY_RANK: Record<Severity, number> = { info: 1, warning: 2, critical: 3 };
/** Resolved incidents stay on the board this long. */
export const RECENT_MS = 24 * 3_600_000;
const MAX_RECENT = 50;

interface OpenIncident {
  view: IncidentView;
  root: SubjectRef;
  alerts: Map<string, AlertInstance>;
  /** Whether the root cause has been down during this incident ("recovered" needs it). */
  rootWasDown: boolean;
  recovered: boolean;
}

export interface AlertDescription {
  /** The rendered summary annotation, or a sentence made from the rule. */
  summary(alert: AlertInstance): string;
  /** The incident's title when this alert opens it. */
  title(alert: AlertInstance, rootName: string, rootDown: boolean): string;
  /** Rendered annotations, kept in the timeline. */
  annotations(alert: AlertInstance): Record<string, string>;
}

export class IncidentBook {
  private readonly open = new Map<string, OpenIncident>();
  private recent: IncidentView[] = [];
  /** Which incident each firing alert belongs to: sticky until the alert resolves. */
  private readonly alertIncident = new Map<string, string>();
  /** Pending alerts not yet in an incident: their "pending" events join the incident that opens. */
  private readonly pendingEvents = new Map<string, IncidentEvent>();
  /** Work still pending for an incident when it resolves (a failback), said in its resolution. */
  pendingWork: (incidentId: string) => string | null = () => null;
  private changed = new Set<string>();
  private readonly repository: IncidentRepository;
  private readonly describe: AlertDescription;

  constructor(repository: IncidentRepository, describe: AlertDescription) {
    this.repository = repository;
    this.describe = describe;
  }

  /** Loads open and recent incidents from the repository (at start-up). */
  restore(now: number): void {
    for (const view of this.repository.loadIncidents({ since: now - RECENT_MS, limit: 200 })) {
      if (view.state === 'open') {
        const root = { kind: view.rootCause.kind, id: view.rootCause.id };
        this.open.set(subjectKey(root), { view, root, alerts: new Map(), rootWasDown: true, recovered: false });
      } else this.recent.push(view);
    }
    this.recent = this.recent.slice(0, MAX_RECENT);
  }

  /** Open incidents, then recently resolved ones; newest first within each. */
  views(now: number): IncidentView[] {
    const open = [...this.open.values()].map((o) => o.view).sort((a, b) => b.openedAt - a.openedAt);
    const recent = this.recent.filter((v) => (v.resolvedAt ?? v.openedAt) >= now - RECENT_MS);
    return [...open, ...recent];
  }

  byId(id: string): IncidentView | null {
    for (const o of this.open.values()) if (o.view.id === id) return o.view;
    return this.recent.find((v) => v.id === id) ?? null;
  }

  /** The open incident a subject belongs to: as root cause, as an impacted component, or through its component. */
  openFor(subject: SubjectRef, topology: Topology): IncidentView | null {
    const direct = this.open.get(subjectKey(subject));
    if (direct) return direct.view;
    return this.open.get(subjectKey(topology.rootOf(subject)))?.view ?? null;
  }

  /** Incidents changed since the last call: persisted already, to be published. */
  takeChanged(): IncidentView[] {
    if (this.changed.size === 0) return [];
    const ids = this.changed;
    this.changed = new Set();
    return [...ids].flatMap((id) => {
      const v = this.byId(id);
      return v ? [v] : [];
    });
  }

  applyTransitions(transitions: readonly AlertTransition[], topology: Topology, now: number): void {
    for (const t of transitions) {
      switch (t.kind) {
        case 'pending': {
          const root = topology.rootOf(t.alert.subject);
          const event: IncidentEvent = {
            at: t.alert.activeAt,
            kind: 'pending',
            message: `${t.alert.rule} pending: ${this.describe.summary(t.alert)}`,
            data: { alert: t.alert.rule, subject: t.alert.subject, severity: t.alert.severity },
          };
          const incident = this.open.get(subjectKey(root));
          // Pending alerts on impacted components are noise in an open incident's timeline.
          if (incident && subjectKey(root) === subjectKey(t.alert.subject)) this.addEvent(incident, event);
          else if (!incident) this.pendingEvents.set(t.alert.key, event);
          break;
        }
        case 'cleared':
          this.pendingEvents.delete(t.alert.key);
          break;
        case 'firing':
          this.onFiring(t.alert, topology, now);
          break;
        case 'resolved':
          this.onResolved(t.alert, topology, now);
          break;
      }
    }
  }

  /** A firing alert from before a restart joins its root cause's open incident; false when none is open. */
  adopt(alert: AlertInstance, topology: Topology): boolean {
    const incident = this.open.get(subjectKey(topology.rootOf(alert.subject)));
    if (!incident) return false;
    incident.alerts.set(alert.key, alert);
    this.alertIncident.set(alert.key, incident.view.id);
    return true;
  }

  private onFiring(alert: AlertInstance, topology: Topology, now: number): void {
    const root = topology.rootOf(alert.subject);
    const key = subjectKey(root);
    let incident = this.open.get(key);
    const isRoot = subjectKey(alert.subject) === key;
    if (!incident) {
      incident = this.openIncident(root, alert, topology, now);
    } else {
      const subject = topology.describe(alert.subject);
      this.addEvent(incident, {
        at: now,
        kind: isRoot ? 'firing' : 'impact_changed',
        message: isRoot
          ? `${alert.rule} firing: ${this.describe.summary(alert)}`
          : `${subject?.name ?? alert.subject.id} is affected too (${alert.rule}): folded into this incident`,
        // Annotations too, so receivers describe every alert (alert-notes.ts), not only the first.
        data: {
          alert: alert.rule,
          subject: alert.subject,
          severity: alert.severity,
          folded: !isRoot,
          annotations: this.describe.annotations(alert),
        },
      });
      if (SEVERITY_RANK[alert.severity] > SEVERITY_RANK[incident.view.severity]) {
        const from = incident.view.severity;
        incident.view = { ...incident.view, severity: alert.severity };
        this.addEvent(incident, {
          at: now,
          kind: 'escalated',
          message: `severity raised from ${from} to ${alert.severity} by ${alert.rule}`,
          data: { from, to: alert.severity, alert: alert.rule },
        });
      }
    }
    incident.alerts.set(alert.key, alert);
    this.alertIncident.set(alert.key, incident.view.id);
    this.pendingEvents.delete(alert.key);
    this.save(incident);
  }

  private openIncident(root: SubjectRef, alert: AlertInstance, topology: Topology, now: number): OpenIncident {
    const described = topology.describe(root);
    const name = described?.name ?? root.id;
    const rootDown = described?.status === 'down';
    const pending = [...this.pendingEvents].filter(
      ([alertKey]) => subjectKey(topology.rootOf(subjectOfKey(alertKey))) === subjectKey(root),
    );
    for (const [alertKey] of pending) this.pendingEvents.delete(alertKey);
    const pendingEvents = pending.map(([, e]) => e).sort((a, b) => a.at - b.at);
    const failingSince = topology.failingSince(root);
    const detectedAt = Math.min(failingSince ?? alert.activeAt, alert.activeAt, ...pendingEvents.map((e) => e.at));
    const id = `${root.kind === 'component' ? 'cmp' : 'chk'}-${root.id}-${now.toString(36)}`;
    const view: IncidentView = {
      id,
      title: this.describe.title(alert, name, rootDown),
      severity: alert.severity,
      state: 'open',
      rootCause: { kind: root.kind, id: root.id, name },
      impacted: impactedNow(root, topology),
      openedAt: now,
      detectedAt,
      resolvedAt: null,
      acknowledged: null,
      events: [],
      mttdMs: now - detectedAt,
      mttrMs: null,
      silencedUntil: null,
      mergedInto: null,
    };
    const seenBy = topology.seenBy(root);
    if (seenBy.length > 0) view.seenBy = seenBy;
    const incident: OpenIncident = { view, root, alerts: new Map(), rootWasDown: rootDown, recovered: false };
    this.open.set(subjectKey(root), incident);
    this.repository.saveIncident(view);
    const subjectName = topology.describe(alert.subject)?.name ?? alert.subject.id;
    const impactedNote = view.impacted.length > 0 ? `; blast radius: ${view.impacted.map((i) => i.id).join(', ')}` : '';
    const seenNote =
      seenBy.length > 1 || topology.checksOf(root).some((id) => !topology.localOnly({ kind: 'check', id }))
        ? `; seen from ${describeSeenBy(seenBy.map((v) => topology.vantageName(v)))}`
        : '';
    const timeline: IncidentEvent[] = [
      {
        at: detectedAt,
        kind: 'detected',
        message: `${name}: first failing result${impactedNote}${seenNote}`,
        data: { rootCause: root, impacted: view.impacted.map((i) => i.id), seenBy },
      },
      ...(pendingEvents.length > 0
        ? pendingEvents
        : [
            {
              at: alert.activeAt,
              kind: 'pending' as const,
              message: `${alert.rule} pending: ${this.describe.summary(alert)}`,
              data: { alert: alert.rule, subject: alert.subject, severity: alert.severity },
            },
          ]),
      {
        at: now,
        kind: 'firing',
        message: `${alert.rule} firing on ${subjectName}: ${this.describe.summary(alert)}`,
        data: {
          alert: alert.rule,
          subject: alert.subject,
          severity: alert.severity,
          value: alert.value,
          annotations: this.describe.annotations(alert),
        },
      },
    ];
    for (const event of timeline) this.addEvent(incident, event);
    this.mergeDownstream(incident, topology, now);
    return incident;
  }

  private onResolved(alert: AlertInstance, topology: Topology, now: number): void {
    this.pendingEvents.delete(alert.key);
    const id = this.alertIncident.get(alert.key);
    this.alertIncident.delete(alert.key);
    const incident = [...this.open.values()].find((o) => o.view.id === id);
    if (!incident) return;
    incident.alerts.delete(alert.key);
    if (incident.alerts.size === 0) this.resolve(incident, topology, now, `${alert.rule} resolved; no alert firing`);
    else this.save(incident);
  }

  /**
   * Keeps open incidents true to the topology: "recovered" when the root cause is back, the blast
   * radius refreshed, incidents whose root cause turned out to be downstream of another folded
   * into that one, and incidents restored after a restart resolved once their root cause is up.
   */
  reconcile(topology: Topology, now: number): void {
    for (const incident of [...this.open.values()]) {
      const described = topology.describe(incident.root);
      if (described?.status === 'down') incident.rootWasDown = true;
      if (
        incident.rootWasDown &&
        !incident.recovered &&
        described &&
        described.status !== 'down' &&
        described.status !== 'unknown'
      ) {
        incident.recovered = true;
        this.addEvent(incident, {
          at: now,
          kind: 'recovered',
          message: `${incident.view.rootCause.name} is ${described.status} again`,
          data: { status: described.status },
        });
      } else if (incident.recovered && described?.status === 'down') {
        incident.recovered = false;
      }
      const impacted = impactedNow(incident.root, topology);
      if (described && JSON.stringify(impacted) !== JSON.stringify(incident.view.impacted)) {
        incident.view = { ...incident.view, impacted };
        this.changed.add(incident.view.id);
        this.repository.saveIncident(incident.view);
      }
      if (incident.alerts.size === 0 && (!described || incident.recovered)) {
        this.resolve(
          incident,
          topology,
          now,
          described ? 'root cause up after a restart' : 'root cause removed from the config',
        );
      }
    }
    for (const incident of [...this.open.values()]) {
      const upstream = this.open.get(subjectKey(topology.rootOf(incident.root)));
      if (upstream && upstream !== incident) this.merge(incident, upstream, topology, now);
    }
  }

  private mergeDownstream(upstream: OpenIncident, topology: Topology, now: number): void {
    for (const incident of [...this.open.values()]) {
      if (incident === upstream) continue;
      if (subjectKey(topology.rootOf(incident.root)) === subjectKey(upstream.root))
        this.merge(incident, upstream, topology, now);
    }
  }

  /** Folds an incident into the one whose root cause is upstream of its own. */
  private merge(from: OpenIncident, into: OpenIncident, topology: Topology, now: number): void {
    for (const [key, alert] of from.alerts) {
      into.alerts.set(key, alert);
      this.alertIncident.set(key, into.view.id);
    }
    from.alerts.clear();
    this.addEvent(into, {
      at: now,
      kind: 'impact_changed',
      message: `${from.view.rootCause.name} is impacted by ${into.view.rootCause.name}: incident ${from.view.id} folded into this one`,
      data: { merged: from.view.id },
    });
    if (SEVERITY_RANK[from.view.severity] > SEVERITY_RANK[into.view.severity]) {
      const previous = into.view.severity;
      into.view = { ...into.view, severity: from.view.severity };
      this.addEvent(into, {
        at: now,
        kind: 'escalated',
        message: `severity raised from ${previous} to ${from.view.severity} by the folded incident`,
        data: { from: previous, to: from.view.severity },
      });
    }
    from.view = { ...from.view, mergedInto: into.view.id };
    this.resolve(from, topology, now, `folded into ${into.view.id}: its root cause is ${into.view.rootCause.name}`);
    this.save(into);
  }

  private resolve(incident: OpenIncident, _topology: Topology, now: number, why: string): void {
    if (!incident.recovered && incident.rootWasDown && incident.view.mergedInto == null) {
      incident.recovered = true;
      this.addEvent(incident, { at: now, kind: 'recovered', message: `${incident.view.rootCause.name} recovered` });
    }
    const pending = incident.view.mergedInto == null ? this.pendingWork(incident.view.id) : null;
    this.addEvent(incident, {
      at: now,
      kind: 'resolved',
      message: `resolved: ${why}${pending ? `; ${pending}` : ''}`,
      ...(pending ? { data: { pending } } : {}),
    });
    incident.view = {
      ...incident.view,
      state: 'resolved',
      resolvedAt: now,
      mttrMs: now - incident.view.detectedAt,
    };
    this.open.delete(subjectKey(incident.root));
    for (const [key, id] of this.alertIncident) if (id === incident.view.id) this.alertIncident.delete(key);
    this.recent = [incident.view, ...this.recent].slice(0, MAX_RECENT);
    this.save(incident);
  }

  acknowledge(incidentId: string, actor: ActorRef, note: string, now: number): IncidentView | null {
    const incident = this.findOpen(incidentId);
    if (!incident) return null;
    incident.view = { ...incident.view, acknowledged: { by: actor.name, actor, note, at: now } };
    this.addEvent(incident, {
      at: now,
      kind: 'acknowledged',
      message: `acknowledged by ${actor.name}${note ? `: ${note}` : ''}`,
      data: { by: actor.name, actor, note },
    });
    this.save(incident);
    return incident.view;
  }

  silence(incidentId: string, actor: ActorRef, forMs: number, now: number): IncidentView | null {
    const incident = this.findOpen(incidentId);
    if (!incident) return null;
    incident.view = { ...incident.view, silencedUntil: now + forMs };
    this.addEvent(incident, {
      at: now,
      kind: 'silenced',
      message: `notifications silenced by ${actor.name} for ${Math.round(forMs / 60_000)} min`,
      data: { by: actor.name, actor, forMs, until: now + forMs },
    });
    this.save(incident);
    return incident.view;
  }

  /** Ends a silence early; null when the incident is not open or not silenced now. */
  unsilence(incidentId: string, actor: ActorRef, now: number): IncidentView | null {
    const incident = this.findOpen(incidentId);
    const until = incident?.view.silencedUntil ?? null;
    if (!incident || until === null || until <= now) return null;
    incident.view = { ...incident.view, silencedUntil: null };
    this.addEvent(incident, {
      at: now,
      kind: 'silenced',
      message: `silence ended early by ${actor.name} (it was until ${new Date(until).toISOString()})`,
      data: { by: actor.name, actor, ended: true, until },
    });
    this.save(incident);
    return incident.view;
  }

  /** An update note from an engineer, on an open or recently resolved incident. */
  addNote(incidentId: string, actor: ActorRef, note: string, now: number): IncidentView | null {
    const event: IncidentEvent = {
      at: now,
      kind: 'note',
      message: `${actor.name}: ${note}`,
      data: { by: actor.name, actor, note },
    };
    if (!this.addEventsTo(incidentId, [event])) return null;
    return this.byId(incidentId);
  }

  /**
   * Resolves an open incident by hand. Its alerts are let go: one still firing opens a new
   * incident only when it resolves and fires again (as a page resolved in PagerDuty).
   */
  resolveByHand(
    incidentId: string,
    actor: ActorRef,
    note: string,
    topology: Topology,
    now: number,
  ): IncidentView | null {
    const incident = this.findOpen(incidentId);
    if (!incident) return null;
    for (const key of incident.alerts.keys()) this.pendingEvents.delete(key);
    incident.alerts.clear();
    this.resolve(incident, topology, now, `by hand by ${actor.name}${note ? `: ${note}` : ''}`);
    return incident.view;
  }

  /**
   * Adds events to a known incident (open or recently resolved: late notification outcomes, a
   * failover's steps after its incident resolved), in time order among the incident's own.
   * `detectedAt` moves detection earlier (and MTTD with it) when the events know of an earlier start.
   */
  addEventsTo(incidentId: string, events: readonly IncidentEvent[], detectedAt?: number): boolean {
    const open = this.findOpen(incidentId);
    const index = open ? -1 : this.recent.findIndex((v) => v.id === incidentId);
    if (!open && index < 0) return false;
    let view = open ? open.view : this.recent[index]!;
    for (const event of events) this.repository.appendIncidentEvent(incidentId, event);
    const late = events.some((e) => view.events.length > 0 && e.at < view.events[view.events.length - 1]!.at);
    const merged = [...view.events, ...events];
    view = { ...view, events: late ? merged.sort((a, b) => a.at - b.at) : merged };
    if (detectedAt !== undefined && detectedAt < view.detectedAt) {
      view = {
        ...view,
        detectedAt,
        mttdMs: view.openedAt - detectedAt,
        mttrMs: view.resolvedAt === null ? null : view.resolvedAt - detectedAt,
      };
    }
    if (open) {
      open.view = view;
      this.save(open);
    } else {
      this.recent[index] = view;
      this.repository.saveIncident(view);
      this.changed.add(incidentId);
    }
    return true;
  }

  private findOpen(id: string): OpenIncident | null {
    for (const o of this.open.values()) if (o.view.id === id) return o;
    return null;
  }

  private addEvent(incident: OpenIncident, event: IncidentEvent): void {
    this.repository.appendIncidentEvent(incident.view.id, event);
    incident.view = { ...incident.view, events: [...incident.view.events, event] };
    this.changed.add(incident.view.id);
  }

  /**
   * The open incident of a subject's root cause, told which vantages see that root cause down
   * now: when more do than before, its `seenBy` grows (never shrinks: it says who saw it).
   */
  widenSeenBy(subject: SubjectRef, topology: Topology): void {
    const root = topology.rootOf(subject);
    const incident = this.open.get(subjectKey(root));
    if (!incident) return;
    const before = incident.view.seenBy ?? [];
    const added = topology.seenBy(root).filter((v) => !before.includes(v));
    if (added.length === 0) return;
    incident.view = { ...incident.view, seenBy: [...before, ...added] };
    this.save(incident);
  }

  private save(incident: OpenIncident): void {
    this.repository.saveIncident(incident.view);
    this.changed.add(incident.view.id);
  }
}

/**
 * The blast radius as it stands: the components downstream of the root cause that are not up.
 * One serving again (from the backup, after a failover) is no longer listed as impacted.
 */
function impactedNow(root: SubjectRef, topology: Topology): IncidentView['impacted'] {
  return topology.blastRadius(root).filter((c) => {
    const status = topology.describe({ kind: 'component', id: c.id })?.status;
    return status !== 'up' && status !== 'maintenance';
  });
}

/** The subject of an alert key (`rule/kind:id`). */
function subjectOfKey(key: string): SubjectRef {
  const rest = key.slice(key.indexOf('/') + 1);
  const colon = rest.indexOf(':');
  // A per-series alert's key ends in #<series id> (alerting/conditions.ts); ids never hold '#'.
  return { kind: rest.slice(0, colon) as SubjectRef['kind'], id: rest.slice(colon + 1).split('#')[0]! };
}
