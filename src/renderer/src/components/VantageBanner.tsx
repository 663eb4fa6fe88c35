import { useBoard } from '../store.ts';

/**
 * When our own vantage is offline, failures are ours, not the targets': say so first and
 * loudest, so nobody starts an incident call about a healthy service. The same goes when this
 * machine ran short of descriptors or memory: probes could not run, and the board shows the
 * last results it had rather than a verdict it could not reach.
 */
export function VantageBanner() {
  const vantage = useBoard((s) => s.board?.vantage);
  if (!vantage) return null;
  const degraded = vantage.health?.degraded === true;
  if (vantage.online && !degraded) return null;
  return (
    <>
      {!vantage.online && (
        <section className="vantage-banner" role="alert" data-testid="vantage-banner">
          <strong>
            <span aria-hidden="true">⚠</span> Observer offline: not our targets, our network
          </strong>
          <span>
            {vantage.name}
            {vantage.reason ? ` — ${vantage.reason}` : ''}. Failures seen from here are not evidence about the targets.
          </span>
        </section>
      )}
      {degraded && (
        <section className="vantage-banner is-observer-degraded" role="alert" data-testid="observer-degraded-banner">
          <strong>
            <span aria-hidden="true">⚠</span> Observer degraded: this machine, not the targets
          </strong>
          <span>
            {vantage.name}
            {vantage.health?.reason ? ` — ${vantage.health.reason}` : ''}. Checks keep their last status until probes
            run again.
          </span>
        </section>
      )}
    </>
  );
}
