/**
 * The vantages this engine decides with: this machine and the probe agents of `vantages:`.
 * Whether each may vote now: this machine while its reference checks are not down and its own
 * resources suffice (observer health); an agent while its link is up (a sync within
 * `offline_after`), its own reference checks are not down (as the agent reports them and as its
 * results show here) and it says its network is fine. State only; the engine feeds it.
 */
import type { Config } from '../../shared/config/schema.ts';
import type { AgentLinkView, Status, VantageView } from '../../shared/model.ts';
import { vantageState } from '../analysis/vantage.ts';

interface Entry {
  id: string;
  name: string;
  kind: 'local' | 'agent';
  region: string | null;
  lat: number | null;
  lon: number | null;
  references: string[];
  offlineWhen: 'all' | 'any';
  offlineAfterMs: number;
  link: AgentLinkView | null;
  /** What the agent says of its own network. */
  agentObserver: { online: boolean; reason: string | null };
  /**
   * Why the centre refused the last sync made with this vantage's token, and when, since the
   * last one it took; forgotten once it is older than REFUSAL_KEPT_MS.
   */
  refused: { reason: string; at: number } | null;
  online: boolean;
  reason: string | null;
}

/**
 * How long a refusal stays the reason an agent vantage is offline when no other comes: an agent
 * retries a refused sync within its back-off's cap (30 s), so one not repeated for a minute (the
 * agent stopped, or whatever sent it did) no longer says why.
 */
export const REFUSAL_KEPT_MS = 60_000;

const NEVER_SEEN: AgentLinkView = {
  connected: false,
  lastSeenAt: null,
  skewMs: null,
  buffered: 0,
  dropped: 0,
  version: null,
  checks: 0,
};

export class VantageBook {
  private entries = new Map<string, Entry>();
  private localId = 'local';
  private localDegraded = false;
  /** Reference check id → the vantages it is a reference of. */
  private referenceOf = new Map<string, string[]>();

  configure(config: Config, assigned: (vantage: string) => number): void {
    const next = new Map<string, Entry>();
    const region = (id: string | undefined) => config.regions.find((r) => r.id === id);
    this.localId = config.vantage.id;
    const local = this.entries.get(config.vantage.id);
    next.set(config.vantage.id, {
      id: config.vantage.id,
      name: config.vantage.name,
      kind: 'local',
      region: null,
      lat: null,
      lon: null,
      references: config.vantage.reference_checks,
      offlineWhen: config.vantage.offline_when,
      offlineAfterMs: Infinity,
      link: null,
      agentObserver: { online: true, reason: null },
      refused: null,
      online: local?.online ?? true,
      reason: local?.reason ?? null,
    });
    for (const v of config.vantages) {
      const old = this.entries.get(v.id);
      const r = region(v.region);
      next.set(v.id, {
        id: v.id,
        name: v.name ?? v.id,
        kind: 'agent',
        region: v.region ?? null,
        lat: v.lat ?? r?.lat ?? null,
        lon: v.lon ?? r?.lon ?? null,
        references: v.reference_checks,
        offlineWhen: v.offline_when,
        offlineAfterMs: v.offline_after,
        link: { ...(old?.link ?? NEVER_SEEN), checks: assigned(v.id) },
        agentObserver: old?.agentObserver ?? { online: true, reason: null },
        refused: old?.refused ?? null,
        online: old?.online ?? false,
        reason: old?.reason ?? 'no sync from the agent yet',
      });
    }
    this.entries = next;
    this.referenceOf = new Map();
    for (const e of next.values()) {
      for (const id of e.references) this.referenceOf.set(id, [...(this.referenceOf.get(id) ?? []), e.id]);
    }
  }

  get local(): string {
    return this.localId;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** The vantages a check is a reference check of (it always votes there: it measures the observer). */
  referencesOf(checkId: string): readonly string[] {
    return this.referenceOf.get(checkId) ?? [];
  }

  isReference(checkId: string, vantage: string): boolean {
    return this.referencesOf(checkId).includes(vantage);
  }

  online(id: string): boolean {
    return this.entries.get(id)?.online ?? false;
  }

  offlineAfter(id: string): number {
    return this.entries.get(id)?.offlineAfterMs ?? Infinity;
  }

  link(id: string): AgentLinkView | null {
    return this.entries.get(id)?.link ?? null;
  }

  setLink(id: string, link: AgentLinkView, observer: { online: boolean; reason: string | null }): void {
    const e = this.entries.get(id);
    if (!e || e.kind !== 'agent') return;
    e.link = link;
    e.agentObserver = observer;
    // A sync taken: whatever was refused before (an agent since upgraded, a token fixed) is past.
    // (The sweep's link gone quiet is not a sync: the refusal stays the reason.)
    if (link.connected) e.refused = null;
  }

  /**
   * A sync made with this agent vantage's token was refused (its token, its body, its claimed
   * vantage): while no sync comes through, and for REFUSAL_KEPT_MS after the last, that is why
   * it is offline. Returns whether there was such a vantage.
   */
  setRefused(id: string, reason: string, at: number): boolean {
    const e = this.entries.get(id);
    if (!e || e.kind !== 'agent') return false;
    e.refused = { reason, at };
    return true;
  }

  /** Forgets refusals older than REFUSAL_KEPT_MS; returns whether any was. */
  expireRefusals(now: number): boolean {
    let expired = false;
    for (const e of this.entries.values()) {
      if (e.refused !== null && now - e.refused.at > REFUSAL_KEPT_MS) {
        e.refused = null;
        expired = true;
      }
    }
    return expired;
  }

  /** The reason a vantage is offline, as the last refresh found it. */
  reason(id: string): string | null {
    return this.entries.get(id)?.reason ?? null;
  }

  setLocalDegraded(degraded: boolean): void {
    this.localDegraded = degraded;
  }

  /**
   * Recomputes whether each vantage may vote, from its reference checks' statuses at that
   * vantage (`statusAt`). Returns the ids whose online state flipped.
   */
  refresh(statusAt: (checkId: string, vantage: string) => Status, names: (checkId: string) => string): string[] {
    const flipped: string[] = [];
    for (const e of this.entries.values()) {
      const refs = vantageState({
        offlineWhen: e.offlineWhen,
        references: e.references.map((id) => ({ id, name: names(id), status: statusAt(id, e.id) })),
      });
      let online = refs.online;
      let reason = refs.reason;
      if (e.kind === 'local' && online && this.localDegraded) {
        online = false;
        reason = 'this machine cannot run its probes (see observer health)';
      }
      if (e.kind === 'agent') {
        if (!e.link?.connected) {
          online = false;
          reason =
            e.refused !== null
              ? `the centre refuses its syncs: ${e.refused.reason}`
              : e.link?.lastSeenAt == null
                ? 'no sync from the agent yet'
                : `no sync from the agent for more than ${Math.round(e.offlineAfterMs / 1000)} s`;
        } else if (!e.agentObserver.online) {
          online = false;
          reason = e.agentObserver.reason ?? 'the agent reports its own network failing';
        } else if (!refs.online) {
          reason = reason?.replace("this machine's own network", `${e.name}'s own network`) ?? null;
        }
      }
      if (online !== e.online) flipped.push(e.id);
      e.online = online;
      e.reason = online ? null : reason;
    }
    return flipped;
  }

  views(): VantageView[] {
    return [...this.entries.values()].map((e) => ({
      id: e.id,
      name: e.name,
      online: e.online,
      reason: e.reason,
      kind: e.kind,
      region: e.region,
      lat: e.lat,
      lon: e.lon,
      ...(e.link ? { link: e.link } : {}),
    }));
  }
}
