import { offlineLines } from '../offline-lines.ts';
import { useBoard } from '../store.ts';

/**
 * When our own vantage is offline, failures are ours, not the targets': say so first and
 * loudest, so nobody starts an incident call about a healthy service. The same goes when this
 * machine ran short of descriptors or memory: probes could not run, and the board shows the
 * last results it had rather than a verdict it could not reach.
 */
function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Lines of reasons the offline-agents banner shows at most: the Vantages view has the rest. */
const MAX_OFFLINE_LINES = 3;
/** Offline agents the banner's heading names at most; past it, it counts them. */
const MAX_NAMED = 4;

/**
 * Agents that cannot vote now, quietly: their checks are decided by the others. One line per
 * reason (several agents refused for one cause read as one fact), each cut to one line on the
 * wall with the whole of it on hover, at most MAX_OFFLINE_LINES of them.
 */
function AgentsOffline() {
  const vantages = useBoard((s) => s.board?.vantages);
  const offline = (vantages ?? []).filter((v) => v.kind === 'agent' && !v.online);
  if (offline.length === 0) return null;
  const { lines, more } = offlineLines(offline, MAX_OFFLINE_LINES);
  return (
    <section className="vantage-banner is-agents-offline" role="status" data-testid="agents-offline">
      <strong>
        <span aria-hidden="true">◌</span>{' '}
        {offline.length > MAX_NAMED
          ? `${offline.length} vantages offline`
          : `${offline.length === 1 ? 'Vantage' : 'Vantages'} ${offline.map((v) => v.name).join(', ')} offline`}
      </strong>
      <ul className="offline-reasons">
        {lines.map((line) => (
          <li key={line.reason} title={`${line.names.join(', ')}: ${line.reason}`} data-testid="offline-reason">
            <b>{line.names.join(', ')}</b>: {line.reason}
          </li>
        ))}
        {more > 0 && <li data-testid="offline-more">and {more} more: see Vantages</li>}
      </ul>
      <span>Their checks are decided by the other vantages; nothing is called down for want of their data.</span>
    </section>
  );
}

/**
 * Remote write retrying or dropping: history beyond this machine has a gap. A quiet status, not
 * an alert: it is the observer's own plumbing, and the board itself is unaffected.
 */
function RemoteWriteTrouble() {
  const queues = useBoard((s) => s.board?.vantage.remoteWrite) ?? [];
  if (queues.length === 0) return null;
  return (
    <section className="vantage-banner is-agents-offline" role="status" data-testid="remote-write-banner">
      <strong>
        <span aria-hidden="true">◌</span> Remote write {queues.some((q) => q.retrying) ? 'retrying' : 'dropped samples'}
      </strong>
      <span>
        {queues
          .map(
            (q) =>
              `${q.name}: ${q.retrying ? `retrying (${q.lastError ?? 'no answer'}), ` : ''}` +
              `${q.droppedQueueFull + q.droppedRejected} samples dropped, ${q.queued} of ${q.capacity} queued`,
          )
          .join('; ')}
        . Probing and the board are unaffected.
      </span>
    </section>
  );
}

export function VantageBanner() {
  return (
    <>
      <LocalVantageBanner />
      <AgentsOffline />
      <RemoteWriteTrouble />
    </>
  );
}

function LocalVantageBanner() {
  const vantage = useBoard((s) => s.board?.vantage);
  if (!vantage) return null;
  const degraded = vantage.health?.degraded === true;
  const storage = vantage.storage && !vantage.storage.saving ? vantage.storage : null;
  if (vantage.online && !degraded && !storage) return null;
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
            {capitalised(vantage.health?.reason ?? `${vantage.name} cannot run every probe`)}. Checks keep their last
            status until probes run again.
          </span>
        </section>
      )}
      {storage && (
        <section className="vantage-banner is-storage-failing" role="alert" data-testid="storage-banner">
          <strong>
            <span aria-hidden="true">⚠</span> {capitalised(storage.reason ?? 'history not being saved')}
          </strong>
          <span>
            Probing, status and alerts go on.{' '}
            {storage.heldWrites > 0
              ? `${storage.heldWrites} incident and failover changes are held in memory and will be written when the disk has room; a restart now would lose them.`
              : 'Incidents and failover changes will be held in memory if the disk stays unwritable.'}
          </span>
        </section>
      )}
    </>
  );
}
