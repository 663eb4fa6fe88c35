/**
 * What a policy's audit steps look like to people: one sentence per step for the incident
 * timeline, which steps go there at all, and the announcements (notify/announce.ts) for the
 * steps an engineer must act on.
 */
import type { FailoverPolicyConfig } from '../../shared/config/failover.ts';
import type { IncidentEvent, Severity } from '../../shared/model.ts';
import type { PropagationRow } from './propagation.ts';

/** The timeline event for an audit step; null for steps only the audit keeps. */
export function timelineEvent(
  policy: FailoverPolicyConfig,
  step: string,
  detail: Record<string, unknown>,
  at: number,
): IncidentEvent | null {
  // A failed run says so once: `failed` follows its `finished`. A restart while idle is no news.
  if ((step === 'finished' && detail.ok !== true) || step === 'restored') return null;
  return {
    at,
    kind: step === 'dns_propagation' ? 'dns_propagation' : 'failover',
    message: timelineText(policy, step, detail),
    data: { policyId: policy.id, step, ...detail },
  };
}

/** One sentence per step for the timeline; the detail travels alongside as data. */
export function timelineText(policy: FailoverPolicyConfig, step: string, d: Record<string, unknown>): string {
  const name = policy.name ?? policy.id;
  const dry = d.dryRun ? ' (dry run)' : '';
  switch (step) {
    case 'decided':
      return `${name}: decided to ${d.direction === 'failback' ? 'fail back' : 'fail over'} (${String(d.reason)})`;
    case 'approval_requested':
      return `${name}: failover needs approval (${String(d.reason)})`;
    case 'approved':
      return `${name}: approved by ${String(d.by)}`;
    case 'rejected':
      return `${name}: rejected by ${String(d.by)}`;
    case 'approval_expired':
      return `${name}: approval request expired; nothing ran`;
    case 'approval_cancelled':
      return `${name}: approval request withdrawn (${String(d.reason)})`;
    case 'started':
      return `${name}: ${d.direction} started${dry}`;
    case 'would_run':
      return `${name}: dry run, would run ${String(d.action)}`;
    case 'would_verify':
      return `${name}: dry run, would verify ${(d.verify as string[]).join('; ')}`;
    case 'action_request':
      return `${name}: ${String(d.action)} (attempt ${String(d.attempt)} of ${String(d.of)})`;
    case 'action_result':
      return `${name}: ${String(d.action)} ${d.ok ? 'succeeded' : 'failed'}: ${String(d.message)}`;
    case 'dns_propagation':
      if (d.phase === 'following')
        return `${name}: following ${String(d.record)} → ${String(d.value)} through ${(d.resolvers as string[]).length} resolvers`;
      if (d.phase === 'done')
        return `${name}: propagation ${d.converged ? 'complete' : 'incomplete'}: ${String(d.message)}`;
      return `${name}: ${(d.rows as PropagationRow[]).filter((r) => r.converged).length} of ${(d.rows as PropagationRow[]).length} resolvers return the new value`;
    case 'verify_started':
      return `${name}: verifying ${(d.verify as string[]).join('; ')}`;
    case 'verified':
      return `${name}: ${String(d.message)}`;
    case 'verify_failed':
      return `${name}: verification failed: ${String(d.message)}`;
    case 'finished':
      return `${name}: ${d.direction} ${d.ok ? 'finished' : 'failed'}${dry}: ${String(d.message)}`;
    case 'failed_over':
      return `${name}: failed over${dry}`;
    case 'failed_back':
      return `${name}: failed back${dry}`;
    case 'failed':
      return `${name}: ${String(d.direction)} failed: ${String(d.message)}`;
    case 'suppressed':
      return `${name}: down again during the cooldown; not switching`;
    case 'interrupted':
      return `${name}: a ${String(d.direction)} was interrupted by a restart${d.why ? ` (${String(d.why)})` : ''}; needs an engineer`;
    case 'restored':
      return `${name}: state ${String(d.state)} restored after a restart`;
    case 'resumed':
      return `${name}: the ${String(d.direction)} interrupted by a restart is taken up again (${String(d.why)})`;
    case 'stopped':
      return `${name}: ${String(d.direction)} ${String(d.message)}; it is taken up again at the next start`;
    case 'backup_down':
      return `${name}: the backup (${String(d.backup)}) is down while traffic is on it`;
    case 'cooldown_ended':
      return `${name}: cooldown ended`;
    case 'refused':
      return `${name}: not failing over${d.by ? ` (asked by ${String(d.by)})` : ''}: the backup (${String(d.backup)}) is down; both sites are down, traffic stays on the primary`;
    default:
      return `${name}: ${step}`;
  }
}

/** The steps an engineer must act on, as an announcement's words; null for the others. */
export function announcementOf(
  policy: FailoverPolicyConfig,
  step: string,
  d: Record<string, unknown>,
  now: number,
): { title: string; text: string; severity: Severity } | null {
  const name = policy.name ?? policy.id;
  switch (step) {
    case 'approval_requested': {
      const expiresAt = Number(d.expiresAt);
      const minutes = Math.max(1, Math.round((expiresAt - now) / 60_000));
      return {
        title: `${name}: failover awaits approval`,
        text: `${String(d.reason)}. Awaiting approval, expires in ${minutes} min (${new Date(expiresAt).toISOString()}): approve or reject it on the board.`,
        severity: 'critical',
      };
    }
    case 'failed':
      return {
        title: `${name}: ${String(d.direction)} failed`,
        text: `${String(d.message)}. An engineer must check where traffic is, then start again or fail back.`,
        severity: 'critical',
      };
    case 'interrupted':
      return {
        title: `${name}: ${String(d.direction)} interrupted by a restart`,
        text: `${d.why ? `${String(d.why)}. ` : ''}Actions may have partly run: check, then start or fail back by hand.`,
        severity: 'critical',
      };
    case 'refused':
      return {
        title: `${name}: not failing over, the backup is down`,
        text: `Both sites are down: the backup (${String(d.backup)}) is down too, so traffic stays on the primary.`,
        severity: 'critical',
      };
    case 'backup_down':
      return {
        title: `${name}: traffic is on a dead backup`,
        text: `The backup (${String(d.backup)}) went down while traffic is on it; the policy rolls back to the primary once it is up (failback.after_failure).`,
        severity: 'critical',
      };
    default:
      return null;
  }
}
