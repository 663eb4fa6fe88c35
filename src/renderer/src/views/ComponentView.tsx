import { useMemo } from 'react';
import type { CheckView, ComponentView as Component, IncidentView } from '../../../shared/model.ts';
import { compareIncidents } from '../../../shared/incident-order.ts';
import { DetailHead, Fact } from '../components/Detail.tsx';
import { FailoverPanel } from '../components/FailoverPanel.tsx';
import { HeartbeatStrip } from '../components/Heartbeats.tsx';
import { MaintenanceActions } from '../components/MaintenanceActions.tsx';
import { RoleTag, StatusBadge } from '../components/StatusBadge.tsx';
import { formatLastLatency } from '../format.ts';
import { formatAge } from '../freshness.ts';
import { href } from '../route.ts';
import { useNow } from '../shared-clock.ts';
import { compareWorstFirst } from '../status-style.ts';
import { checkById } from '../apply-checks.ts';
import { useBoard } from '../store.ts';

const ROLE_LABEL = { root_cause: 'ROOT CAUSE', impacted: 'KNOCK-ON', healthy: 'no incident' } as const;

/** Worst first, then by name as people count ("node 3" before "node 27"). */
function worstFirst<T extends { status: CheckView['status']; name: string }>(list: T[]): T[] {
  return [...list].sort(compareWorstFirst);
}

/**
 * One component in depth (#/component/<id>): its status and why (its checks, worst first), its
 * open incident, where it sits in the topology, its maintenance and the failover policies that
 * watch it. Actions (maintenance) are for engineers, never on the wall.
 */
export function ComponentDetail({ id, wall }: { id: string; wall: boolean }) {
  const component = useBoard((s) => s.board?.components.find((c) => c.id === id));
  const components = useBoard((s) => s.board?.components);
  const checks = useBoard((s) => s.board?.checks);
  const regions = useBoard((s) => s.board?.regions);
  const incidents = useBoard((s) => s.board?.incidents);
  const failovers = useBoard((s) => s.board?.failovers);
  const now = useNow(1000);

  // Its own checks looked up by id (the board's index), not every check filtered per delta.
  const own = useMemo(() => {
    if (!component || !checks) return [];
    return worstFirst(component.checks.flatMap((c) => checkById(checks, c) ?? []));
  }, [component, checks]);
  const byId = useMemo(() => new Map((components ?? []).map((c) => [c.id, c])), [components]);
  const dependents = useMemo(
    () => worstFirst((components ?? []).filter((c) => c.dependsOn.includes(id))),
    [components, id],
  );
  const incident = useMemo(() => openIncidentOf(incidents ?? [], id), [incidents, id]);

  if (!component) {
    return (
      <div className="detail-view" data-testid="view-component">
        <p className="empty">
          No component “{id}” in the running config. <a href={href('overview')}>Back to the overview</a>
        </p>
      </div>
    );
  }
  const regionName = (rid: string | null) => (rid ? (regions?.find((r) => r.id === rid)?.name ?? rid) : null);
  const dependsOn = worstFirst(
    component.dependsOn.map(
      (dep) =>
        byId.get(dep) ?? { id: dep, name: dep, status: 'unknown' as const, region: null, role: 'healthy' as const },
    ),
  );
  const watching = (failovers ?? []).filter((f) => f.watches === id || component.checks.includes(f.watches));
  const counts = own.reduce<Record<string, number>>((n, c) => ({ ...n, [c.status]: (n[c.status] ?? 0) + 1 }), {});
  const summary = (['down', 'degraded', 'unknown', 'maintenance', 'up'] as const)
    .filter((s) => counts[s])
    .map((s) => `${counts[s]} ${s}`)
    .join(' · ');

  return (
    <div className="detail-view component-view" data-testid="view-component" data-component={component.id}>
      <DetailHead back={{ view: 'overview', label: 'Overview' }} name={component.name} status={component.status}>
        <RoleTag role={component.role} />
        <span className="muted">
          {component.kind} · <code>{component.id}</code> · {regionName(component.region) ?? 'no region'}
          {component.site ? ` · ${component.site}` : ''}
        </span>
      </DetailHead>
      <div className="detail-facts">
        <Fact
          label="Status"
          value={`${component.status.toUpperCase()}${component.since ? ` for ${formatAge(now - component.since)}` : ''}`}
        />
        <Fact label="Checks" value={summary || 'none'} testId="component-check-counts" />
        <Fact label="Part in incident" value={ROLE_LABEL[component.role]} />
        {component.flapping && <Fact label="Flapping" value="yes" />}
        {component.backupInUse && (
          <Fact
            label="Serving from"
            value="the backup"
            note={`${component.backupInUse.header} on ${component.backupInUse.check}`}
          />
        )}
      </div>

      {incident && <IncidentLine incident={incident} id={id} impactedBy={component.impactedBy} byId={byId} />}

      {!wall && (
        <MaintenanceActions
          target="components"
          id={component.id}
          checks={component.checks}
          status={own.map((c) => c.status).join()}
        />
      )}

      <div className="detail-columns">
        <section aria-labelledby="component-checks-title">
          <h3 id="component-checks-title">
            Its checks ({own.length}) <span className="muted">worst first</span>
          </h3>
          {own.length === 0 ? (
            <p className="muted">No checks: its status comes from what it depends on.</p>
          ) : (
            <ul className="component-list" data-testid="component-checks">
              {own.map((c) => (
                <li key={c.id} data-status={c.status} data-testid={`component-check-${c.id}`}>
                  <StatusBadge status={c.status} compact />
                  <a href={href('check', c.id)}>{c.name}</a>
                  <span className="muted" title={c.message || undefined}>
                    {/* The region only where it is not the component's own. */}
                    {c.region !== component.region ? `${regionName(c.region) ?? 'no region'} · ` : ''}
                    {formatLastLatency(c)}
                    {c.status !== 'up' && c.message ? ` · ${c.message}` : ''}
                  </span>
                  <div className="component-beats">
                    <HeartbeatStrip beats={c.beats} />
                  </div>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="component-topology-title">
          <h3 id="component-topology-title">Topology</h3>
          <Related title="Depends on" items={dependsOn} regionName={regionName} testId="component-depends-on" />
          <Related
            title="What depends on it"
            items={dependents}
            regionName={regionName}
            testId="component-dependents"
          />
        </section>
      </div>
      {watching.length > 0 ? (
        <FailoverPanel failovers={watching} now={now} actions={!wall} />
      ) : (
        <p className="muted" data-testid="component-no-failover">
          No failover policy watches this component or its checks.
        </p>
      )}
    </div>
  );
}

/** The open incident a component is part of: the one whose root cause it is, else one it is impacted by. */
function openIncidentOf(incidents: IncidentView[], id: string): IncidentView | null {
  const open = incidents.filter((i) => i.state === 'open' && !i.mergedInto).sort(compareIncidents);
  return (
    open.find((i) => i.rootCause.kind === 'component' && i.rootCause.id === id) ??
    open.find((i) => i.impacted.some((x) => x.kind === 'component' && x.id === id)) ??
    null
  );
}

function IncidentLine({
  incident,
  id,
  impactedBy,
  byId,
}: {
  incident: IncidentView;
  id: string;
  impactedBy: string[];
  byId: Map<string, Component>;
}) {
  const cause = incident.rootCause.kind === 'component' && incident.rootCause.id === id;
  return (
    <p className={`component-incident sev-${incident.severity}`} role="status" data-testid="component-incident">
      <strong>{cause ? 'Root cause of' : 'Knock-on of'}</strong>{' '}
      <a href={href('incidents', incident.id)}>{incident.title}</a> ({incident.severity})
      {!cause && (
        <>
          {' '}
          · caused by{' '}
          {(impactedBy.length > 0 ? impactedBy : [incident.rootCause.id]).map((rid, i) => (
            <span key={rid}>
              {i > 0 && ', '}
              <a href={href(byId.has(rid) ? 'component' : 'check', rid)}>{byId.get(rid)?.name ?? rid}</a>
            </span>
          ))}
        </>
      )}
      {cause && incident.impacted.length > 0 && ` · ${incident.impacted.length} impacted downstream`}
    </p>
  );
}

function Related({
  title,
  items,
  regionName,
  testId,
}: {
  title: string;
  items: Pick<Component, 'id' | 'name' | 'status' | 'region' | 'role'>[];
  regionName: (id: string | null) => string | null;
  testId: string;
}) {
  return (
    <>
      <h4>{title}</h4>
      {items.length === 0 ? (
        <p className="muted" data-testid={testId}>
          nothing
        </p>
      ) : (
        <ul className="component-list" data-testid={testId}>
          {items.map((c) => (
            <li key={c.id} data-status={c.status}>
              <StatusBadge status={c.status} compact />
              <a href={href('component', c.id)}>{c.name}</a>
              <RoleTag role={c.role} />
              <span className="muted">{regionName(c.region) ?? ''}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
