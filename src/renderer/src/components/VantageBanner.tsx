import { useBoard } from '../store.ts';

/**
 * When our own vantage is offline, failures are ours, not the targets': say so first and
 * loudest, so nobody starts an incident call about a healthy service.
 */
export function VantageBanner() {
  const vantage = useBoard((s) => s.board?.vantage);
  if (!vantage || vantage.online) return null;
  return (
    <section className="vantage-banner" role="alert" data-testid="vantage-banner">
      <strong>
        <span aria-hidden="true">⚠</span> Observer offline: not our targets, our network
      </strong>
      <span>
        {vantage.name}
        {vantage.reason ? ` — ${vantage.reason}` : ''}. Failures seen from here are not evidence about the targets.
      </span>
    </section>
  );
}
