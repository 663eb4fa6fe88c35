/**
 * Alerts raised outside Knockon (Alertmanager's webhook), kept until their source says they
 * are resolved or their endsAt passes. They are offered to the same evaluation as Knockon's own
 * rules (as candidates, firing at once: the source already applied its `for`), so they open,
 * fold into and resolve incidents exactly as Knockon's alerts do. Time comes in as an argument.
 */
import type { Severity } from '../../shared/model.ts';
import type { AlertCandidate } from './evaluate.ts';

export interface ExternalAlert {
  /** The source's identity of the alert (Alertmanager's fingerprint of its labels). */
  fingerprint: string;
  /** Its alertname. */
  name: string;
  component: string;
  severity: Severity;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  firing: boolean;
  /** When the source will consider it resolved unless told again; null when it did not say. */
  endsAt: number | null;
}

/** Alerts held at most: a source flooding with distinct alerts is refused beyond it, not kept. */
export const MAX_EXTERNAL_ALERTS = 5_000;

export class ExternalAlerts {
  /** By component, so one check's result looks only at its components' alerts. */
  private readonly byComponent = new Map<string, Map<string, ExternalAlert>>();
  private count = 0;
  /** nextExpiry's answer until the alerts change (undefined: to be found again). */
  private expiry: number | null | undefined = undefined;

  /** Applies one batch; returns how many new alerts were refused for the bound. */
  apply(batch: readonly ExternalAlert[]): number {
    let refused = 0;
    for (const alert of batch) {
      const key = keyOf(alert);
      let alerts = this.byComponent.get(alert.component);
      const known = alerts?.has(key) === true;
      if (!known && !alert.firing) continue;
      if (!known && this.count >= MAX_EXTERNAL_ALERTS) {
        refused++;
        continue;
      }
      if (!alerts) this.byComponent.set(alert.component, (alerts = new Map()));
      if (!known) this.count++;
      alerts.set(key, alert);
      this.expiry = undefined;
    }
    return refused;
  }

  /**
   * One candidate per alert on a component that exists. An ended alert (resolved, or past its
   * endsAt) is offered once more, inactive, so the evaluation resolves it, then forgotten. A
   * partial evaluation (one check's result) asks only for its components: the others' alerts are
   * carried over unchanged, and an expiry brings a full evaluation (the module's timer).
   */
  candidates(
    now: number,
    exists: (component: string) => boolean,
    /** Only alerts on these components (`component:id` keys), as a partial evaluation asks. */
    only?: ReadonlySet<string>,
  ): AlertCandidate[] {
    const out: AlertCandidate[] = [];
    if (this.count === 0) return out;
    const components = only
      ? [...only].flatMap((k) => (k.startsWith('component:') ? [k.slice('component:'.length)] : []))
      : [...this.byComponent.keys()];
    for (const component of components) {
      const alerts = this.byComponent.get(component);
      if (!alerts) continue;
      for (const [key, alert] of alerts) {
        const active = alert.firing && (alert.endsAt === null || alert.endsAt > now);
        if (!active) this.forget(component, key);
        if (!exists(component)) continue;
        out.push({
          key,
          rule: alert.name,
          subject: { kind: 'component', id: component },
          severity: alert.severity,
          forMs: 0,
          keepFiringForMs: 0,
          active,
          value: null,
          hold: false,
          labels: alert.labels,
          annotations: alert.annotations,
        });
      }
    }
    return out;
  }

  /** The next time an alert's endsAt passes; null when none will. */
  nextExpiry(now: number): number | null {
    // Asked after every result: found again only when the alerts changed or the one found passed.
    if (this.expiry === null || (this.expiry !== undefined && this.expiry > now)) return this.expiry;
    let next: number | null = null;
    for (const alerts of this.byComponent.values()) {
      for (const a of alerts.values()) {
        if (a.firing && a.endsAt !== null && a.endsAt > now) next = next === null ? a.endsAt : Math.min(next, a.endsAt);
      }
    }
    this.expiry = next;
    return next;
  }

  get size(): number {
    return this.count;
  }

  private forget(component: string, key: string): void {
    const alerts = this.byComponent.get(component);
    if (!alerts?.delete(key)) return;
    this.count--;
    this.expiry = undefined;
    if (alerts.size === 0) this.byComponent.delete(component);
  }
}

/** In the `rule/kind:id` form alert keys have; the fingerprint is hex, so it holds no `/`. */
function keyOf(alert: ExternalAlert): string {
  return `am.${alert.fingerprint}/component:${alert.component}`;
}
