/**
 * The centre's beat: when each agent should sync next. Agents that sync at random phases wake
 * the centre's threads once per sync each, and each sync's results make their own delta; on a
 * common beat their syncs arrive together, are applied in one burst and go to the board in one
 * delta. An answer says how long until the vantage's next slot on the centre's clock
 * (`nextInMs`); the agent subtracts its round trip and sends then (`nextSyncDelay`, src/agent).
 *
 * Agents are grouped, at most AGENTS_PER_BEAT to a slot, the groups spread evenly over the
 * period: a fleet of agents never lands on the door at once (it takes 16 syncs at a time).
 * Pure, with the time given: tested exactly.
 */

/** Agents that share a slot: half the door's syncs in flight (agent-door.ts), so a slot never fills it. */
export const AGENTS_PER_BEAT = 8;

/**
 * How long the centre waits after the first sync of a beat for the others, which arrive within a
 * few ms of it: they then go to the board in one delta (Engine's ChangeBatcher) and to disk in
 * one durable commit (StoreClient.commitWith) instead of the first going alone.
 */
export const BEAT_GATHER_MS = 25;

/** Each agent vantage's place on the beat: its group and how many groups there are. */
export interface BeatPlace {
  group: number;
  groups: number;
}

/** The vantages' places: dealt round the groups in declared order (the 1st, then the 2nd group's first, …). */
export function beatPlaces(vantageIds: readonly string[]): Map<string, BeatPlace> {
  const groups = Math.max(1, Math.ceil(vantageIds.length / AGENTS_PER_BEAT));
  return new Map(vantageIds.map((id, i) => [id, { group: i % groups, groups }]));
}

/**
 * Ms from `now` (the centre's clock) to the place's next slot with this period: slots are at
 * `group * periodMs / groups` past each multiple of the period since the epoch. 0 at a slot.
 */
export function nextSlotInMs(now: number, periodMs: number, place: BeatPlace): number {
  const phase = Math.round((place.group * periodMs) / place.groups);
  const into = (((Math.round(now) - phase) % periodMs) + periodMs) % periodMs;
  return into === 0 ? 0 : periodMs - into;
}
