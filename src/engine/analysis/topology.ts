/**
 * The live picture of components: their status from their checks, their role (root cause or
 * impacted), flapping, and the vantage. State, but no I/O and no clock of its own: every change
 * comes in with its time.
 */
import type { Config } from '../../shared/config/schema.ts';
import { withReplicationLinks } from '../../shared/config/replication-links.ts';
import type { ComponentConfig, StatusRule } from '../../shared/config/topology.ts';
import {
  isObserverFault,
  type CheckView,
  type ComponentView,
  type ImpactRole,
  type ProbeResult,
  type PromSeries,
  type Status,
  type VantageView,
} from '../../shared/model.ts';
import { componentStatus } from './component-status.ts';
import { INITIAL_FLAP, recordFlapState, type FlapState, type FlapThresholds } from './flap.ts';
import { analyseImpact, blastRadius } from './impact.ts';
import { vantageState } from './vantage.ts';
import { sameVantages } from '../vantages/quorum.ts';
import { headerMeets } from '../probes/http-expect.ts';
import type { BackupInUseConfig } from '../../shared/config/backup-in-use.ts';

export interface SubjectRef {
  kind: 'component' | 'check';
  id: string;
}

interface ComponentEntry {
  config: ComponentConfig;
  name: string;
  rule: StatusRule;
  status: Status;
  since: number | null;
  role: ImpactRole;
  impactedBy: string[];
  flap: FlapState;
}

interface CheckEntry {
  name: string;
  region: string | null;
  type: string;
  status: Status;
  /** Start of the current run of failing results; null while the latest result succeeded. */
  failingSince: number | null;
  errorClass: string | null;
  daysLeft: number | null;
  flap: FlapState;
  /** Probed from more than this machine: its quorum decides, not this machine's vantage alone. */
  multi: boolean;
  /** Its quorum has too few voters: what people are told about it is held. */
  held: boolean;
  /** The voting vantages that see it down (this machine's id for a check probed only here). */
  failing: string[];
  /** The reported headers of its last successful result (http checks; see backup_in_use). */
  headers: Readonly<Record<string, string>> | null;
  /** Prometheus checks: the series of the last answer that make it down; null for other checks. */
  series: readonly PromSeries[] | null;
}

export function subjectKey(subject: SubjectRef): string {
  return `${subject.kind}:${subject.id}`;
}

const NO_COMPONENTS: readonly string[] = [];

export class Topology {
  /**
   * Moves whenever a check's or component's status can have changed (a new status, a config):
   * what depends only on statuses (IncidentBook.reconcile) need not look again until it does.
   */
  statusRevision = 0;
  private components = new Map<string, ComponentEntry>();
  private checks = new Map<string, CheckEntry>();
  private componentsOfCheck = new Map<string, string[]>();
  private flapEnabled = true;
  /** Blast radius per root cause: it depends on the config only. */
  private blastCache = new Map<string, { kind: 'component'; id: string; name: string; region: string | null }[]>();
  private thresholds: FlapThresholds = { start: 50, stop: 25 };
  private vantageConfig: Config['vantage'] = {
    id: 'local',
    name: 'this machine',
    reference_checks: [],
    offline_when: 'all',
  };
  private vantageView: VantageView = { id: 'local', name: 'this machine', online: true, reason: null };
  /** Every vantage's name by id (this machine's and the agents'), for what people read. */
  private vantageNames = new Map<string, string>();

  /** Applies a config, keeping what is known about checks and components that remain. */
  configure(
    config: Config,
    checkViews: readonly Pick<CheckView, 'id' | 'name' | 'region' | 'type' | 'status' | 'quorum'>[],
  ): void {
    this.flapEnabled = config.flap_detection.enabled;
    this.thresholds = { start: config.flap_detection.start_threshold, stop: config.flap_detection.stop_threshold };
    const checks = new Map<string, CheckEntry>();
    for (const view of checkViews) {
      const old = this.checks.get(view.id);
      checks.set(view.id, {
        name: view.name,
        region: view.region,
        type: view.type,
        status: old?.status ?? view.status,
        failingSince: old?.failingSince ?? null,
        errorClass: old?.errorClass ?? null,
        daysLeft: old?.daysLeft ?? null,
        flap: old?.flap ?? INITIAL_FLAP,
        multi: view.quorum !== undefined,
        held: old?.held ?? false,
        failing: old?.failing ?? [],
        headers: old?.headers ?? null,
        series: old?.series ?? (view.type === 'prometheus' ? [] : null),
      });
    }
    this.checks = checks;
    this.statusRevision++;
    const components = new Map<string, ComponentEntry>();
    this.componentsOfCheck = new Map();
    for (const c of withReplicationLinks(config.components, config.checks)) {
      const old = this.components.get(c.id);
      components.set(c.id, {
        config: c,
        name: c.name ?? c.id,
        rule: c.status_rule,
        status: old?.status ?? 'unknown',
        since: old?.since ?? null,
        role: 'healthy',
        impactedBy: [],
        flap: old?.flap ?? INITIAL_FLAP,
      });
      for (const checkId of c.checks) {
        const list = this.componentsOfCheck.get(checkId) ?? [];
        list.push(c.id);
        this.componentsOfCheck.set(checkId, list);
      }
    }
    this.components = components;
    // Statuses restored from the store (or kept across a reload) count from the start.
    for (const c of components.values()) {
      const status = componentStatus(
        c.rule,
        c.config.checks.map((cid) => checks.get(cid)?.status ?? 'unknown'),
      );
      if (status !== c.status) {
        c.status = status;
        c.since = null;
      }
    }
    this.blastCache = new Map();
    this.vantageConfig = config.vantage;
    this.vantageNames = new Map([
      [config.vantage.id, config.vantage.name],
      ...config.vantages.map((v): [string, string] => [v.id, v.name ?? v.id]),
    ]);
    this.recompute(null);
  }

  /**
   * A check's new result and status. Returns the ids of components whose view changed.
   * `now` stamps status changes of components.
   */
  update(checkId: string, status: Status, result: ProbeResult, now: number): readonly string[] {
    const check = this.checks.get(checkId);
    if (!check) return NO_COMPONENTS;
    if (isObserverFault(result.errorClass)) return NO_COMPONENTS;
    const checkChanged = check.status !== status;
    check.status = status;
    check.errorClass = result.errorClass;
    check.failingSince = result.ok ? null : (check.failingSince ?? result.startedAt);
    const affected = this.componentsOfCheck.get(checkId) ?? NO_COMPONENTS;
    const before = affected.length === 0 ? null : new Map(affected.map((id) => [id, this.viewKey(id)]));
    if (result.ok) check.headers = result.headers ?? NO_HEADERS;
    if (check.type === 'prometheus') check.series = result.prometheus?.series.filter((x) => x.failing) ?? [];
    const daysLeft = (result.tls as { daysLeft?: unknown } | undefined)?.daysLeft;
    if (typeof daysLeft === 'number' && Number.isFinite(daysLeft)) check.daysLeft = daysLeft;
    const raw = !result.ok ? 'down' : result.degraded ? 'degraded' : 'up';
    check.flap = this.flapEnabled ? recordFlapState(check.flap, raw, this.thresholds) : INITIAL_FLAP;
    let componentChanged = false;
    const touched: string[] = [];
    for (const id of affected) {
      const c = this.components.get(id)!;
      const next = componentStatus(
        c.rule,
        c.config.checks.map((cid) => this.checks.get(cid)?.status ?? 'unknown'),
      );
      if (next !== c.status) {
        c.status = next;
        c.since = now;
        componentChanged = true;
        touched.push(id);
      }
      c.flap = this.flapEnabled ? recordFlapState(c.flap, c.status, this.thresholds) : INITIAL_FLAP;
      if (!touched.includes(id) && this.viewKey(id) !== before!.get(id)) touched.push(id);
    }
    // Roles and the vantage only move when a status does: most results change nothing.
    if (!componentChanged && !checkChanged) return touched;
    this.statusRevision++;
    return this.recompute(touched);
  }

  /** What of a component's view a result can change besides its status: flapping, the backup in use. */
  private viewKey(id: string): string {
    const view = this.componentView(id);
    return `${view?.flapping}|${JSON.stringify(view?.backupInUse)}`;
  }

  /** Recomputes roles and the vantage; returns components whose view changed (all when `touched` is null). */
  private recompute(touched: string[] | null): string[] {
    const before = new Map([...this.components].map(([id, c]) => [id, `${c.role}|${c.impactedBy.join(',')}`]));
    const impact = analyseImpact(
      [...this.components.values()].map((c) => ({ id: c.config.id, status: c.status, dependsOn: c.config.depends_on })),
    );
    const changed = new Set(touched ?? this.components.keys());
    for (const [id, c] of this.components) {
      c.role = impact.role.get(id) ?? 'healthy';
      c.impactedBy = impact.impactedBy.get(id) ?? [];
      if (before.get(id) !== `${c.role}|${c.impactedBy.join(',')}`) changed.add(id);
    }
    const v = vantageState({
      offlineWhen: this.vantageConfig.offline_when,
      references: this.vantageConfig.reference_checks.map((id) => ({
        id,
        name: this.checks.get(id)?.name ?? id,
        status: this.checks.get(id)?.status ?? 'unknown',
      })),
    });
    this.vantageView = { id: this.vantageConfig.id, name: this.vantageConfig.name, ...v };
    return [...changed];
  }

  vantage(): VantageView {
    return this.vantageView;
  }

  /** A vantage's name as configured; its id when it has none (or is not configured). */
  vantageName(id: string): string {
    return this.vantageNames.get(id) ?? id;
  }

  componentIds(): string[] {
    return [...this.components.keys()];
  }

  hasComponent(id: string): boolean {
    return this.components.has(id);
  }

  checkIds(): string[] {
    return [...this.checks.keys()];
  }

  componentView(id: string): ComponentView | null {
    const c = this.components.get(id);
    if (!c) return null;
    return {
      id,
      name: c.name,
      kind: c.config.kind,
      region: c.config.region ?? null,
      site: c.config.site ?? null,
      status: c.status,
      since: c.since,
      role: c.role,
      impactedBy: c.impactedBy,
      checks: c.config.checks,
      dependsOn: c.config.depends_on,
      flapping: c.flap.flapping || c.config.checks.some((cid) => this.checks.get(cid)?.flap.flapping === true),
      ...(c.config.backup_in_use ? { backupInUse: this.backupInUse(c.config.backup_in_use) } : {}),
    };
  }

  /** What the load balancer's last good answer said about who served it: the backup, or null. */
  private backupInUse(rule: BackupInUseConfig): ComponentView['backupInUse'] {
    const headers = this.checks.get(rule.check)?.headers;
    // No successful answer yet: nothing is known about who serves.
    if (!headers) return null;
    const value = headers[rule.header.toLowerCase()];
    return headerMeets(rule, value) ? { check: rule.check, header: rule.header, value: value ?? null } : null;
  }

  componentViews(): ComponentView[] {
    return this.componentIds().map((id) => this.componentView(id)!);
  }

  isCheckFlapping(id: string): boolean {
    return this.checks.get(id)?.flap.flapping ?? false;
  }

  /** Status, name, region of a subject; null when it no longer exists. */
  describe(subject: SubjectRef): { name: string; region: string | null; status: Status } | null {
    if (subject.kind === 'component') {
      const c = this.components.get(subject.id);
      return c ? { name: c.name, region: c.config.region ?? null, status: c.status } : null;
    }
    const k = this.checks.get(subject.id);
    return k ? { name: k.name, region: k.region, status: k.status } : null;
  }

  /** The components a check belongs to. */
  componentsOf(checkId: string): readonly string[] {
    return this.componentsOfCheck.get(checkId) ?? [];
  }

  checksOf(subject: SubjectRef): string[] {
    return subject.kind === 'check' ? [subject.id] : (this.components.get(subject.id)?.config.checks ?? []);
  }

  /** How a check's vantages decided it (from its view): which see it down, whether held. */
  setQuorum(checkId: string, quorum: { multi: boolean; held: boolean; failing: readonly string[] }): void {
    const k = this.checks.get(checkId);
    if (!k) return;
    k.multi = quorum.multi;
    k.held = quorum.held;
    // Copied only when it changed: this runs on every result, and most change nothing.
    if (!sameVantages(k.failing, quorum.failing)) k.failing = [...quorum.failing];
  }

  /** Whether every check of the subject is probed only from this machine (its vantage decides alone). */
  localOnly(subject: SubjectRef): boolean {
    return this.checksOf(subject).every((id) => !this.checks.get(id)?.multi);
  }

  /** Whether a check of the subject probed from several vantages lacks a quorum now. */
  held(subject: SubjectRef): boolean {
    return this.checksOf(subject).some((id) => this.checks.get(id)?.held === true);
  }

  /** The vantages that see the subject's checks down now, first seen first. */
  seenBy(subject: SubjectRef): string[] {
    return [...new Set(this.checksOf(subject).flatMap((id) => this.checks.get(id)?.failing ?? []))];
  }

  /** A prometheus check's failing series now; null for other check types. */
  failingSeries(id: string): readonly PromSeries[] | null {
    return this.checks.get(id)?.series ?? null;
  }

  checkInfo(id: string): { type: string; errorClass: string | null; daysLeft: number | null } | null {
    const k = this.checks.get(id);
    return k ? { type: k.type, errorClass: k.errorClass, daysLeft: k.daysLeft } : null;
  }

  flapping(subject: SubjectRef): boolean {
    if (subject.kind === 'check') return this.isCheckFlapping(subject.id);
    return this.componentView(subject.id)?.flapping ?? false;
  }

  /** When the subject's current failure started (its earliest failing check); null when not failing. */
  failingSince(subject: SubjectRef): number | null {
    let earliest: number | null = null;
    for (const id of this.checksOf(subject)) {
      const since = this.checks.get(id)?.failingSince ?? null;
      if (since !== null && (earliest === null || since < earliest)) earliest = since;
    }
    return earliest;
  }

  /**
   * The root cause an alert on `subject` belongs to: the root cause upstream of an impacted
   * component; the component itself otherwise; for a check, the same through the components it
   * belongs to (impacted ones first); a check in no component is its own root.
   */
  rootOf(subject: SubjectRef): SubjectRef {
    if (subject.kind === 'component') {
      const c = this.components.get(subject.id);
      if (c && c.role === 'impacted' && c.impactedBy.length > 0) return { kind: 'component', id: c.impactedBy[0]! };
      return subject;
    }
    const owners = this.componentsOfCheck.get(subject.id) ?? [];
    if (owners.length === 0) return subject;
    const impacted = owners.find((id) => this.components.get(id)?.role === 'impacted');
    return this.rootOf({ kind: 'component', id: impacted ?? owners[0]! });
  }

  /** The blast radius of a root cause: every transitive dependent, across regions. */
  blastRadius(root: SubjectRef): { kind: 'component'; id: string; name: string; region: string | null }[] {
    const key = subjectKey(root);
    const cached = this.blastCache.get(key);
    if (cached) return cached;
    const roots = root.kind === 'component' ? [root.id] : (this.componentsOfCheck.get(root.id) ?? []);
    const nodes = [...this.components.values()].map((c) => ({ id: c.config.id, dependsOn: c.config.depends_on }));
    const ids = new Set(roots.flatMap((id) => blastRadius(id, nodes)));
    const radius = [...ids].sort().map((id) => {
      const c = this.components.get(id)!;
      return { kind: 'component' as const, id, name: c.name, region: c.config.region ?? null };
    });
    this.blastCache.set(key, radius);
    return radius;
  }

  role(componentId: string): { role: ImpactRole; impactedBy: string[] } | null {
    const c = this.components.get(componentId);
    return c ? { role: c.role, impactedBy: c.impactedBy } : null;
  }
}

/** The headers of a result that reported none (shared: never written to). */
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
