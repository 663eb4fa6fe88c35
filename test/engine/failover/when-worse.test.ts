/**
 * Issue 10's defects, each against the real parts of the failover lab (test/support/failover-lab.ts:
 * real HTTP servers, Knot changed by RFC 2136 + TSIG, a Slack-compatible receiver, the engine in
 * its worker with a data directory that survives restarts):
 * - both sites down: no update is sent to the dead backup, and the receivers hear about it;
 * - a failover's steps belong to the incident that caused it for its whole life (failback too,
 *   after that incident resolved), never to the next one;
 * - a restart before the incident opens: the incident still gets the failover's whole story, with
 *   the audit's times, and its detection is not understated.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { IncidentView } from '../../../src/shared/model.ts';
import { FailoverLab, PRIMARY, type AuditRow } from '../../support/failover-lab.ts';
import { KNOT_MISSING, knotPath } from '../../support/knot.ts';

const haveKnot = knotPath() !== null;
if (!haveKnot) console.warn(KNOT_MISSING);

const steps = (rows: AuditRow[]) => rows.map((r) => r.step);
const failoverSteps = (incident: IncidentView) =>
  incident.events.filter((e) => e.kind === 'failover' || e.kind === 'dns_propagation').map((e) => e.data?.step);

describe.skipIf(!haveKnot)('failover when things get worse', () => {
  let lab: FailoverLab;
  afterEach(async () => {
    await lab.stop();
  });

  it('both sites down: sends no update to the dead backup, tells the receivers once, and switches nothing', async () => {
    lab = new FailoverLab();
    await lab.start({ receivers: true });
    await lab.until('both sites up', () => lab.check('hk-lb')?.status === 'up' && lab.check('sg-lb')?.status === 'up');
    await lab.stopBackup();
    await lab.until('the backup down', () => lab.check('sg-lb')?.status === 'down');
    await lab.primary.stop();
    const refusal = await lab.until('the receivers told', () =>
      lab.noc.find((m) => m.text.includes('not failing over, the backup is down')),
    );
    const incident = await lab.until('the incident on the board', () =>
      lab.incidents().find((i) => i.rootCause.id === 'hk-lb' && i.state === 'open'),
    );
    expect(refusal.text).toContain('Both sites are down: the backup (check sg-lb) is down too');
    // Grouped with the incident: the message names it.
    expect(JSON.stringify(refusal.blocks)).toContain(`Incident ${incident.id}`);
    expect(lab.failover()).toMatchObject({
      state: 'idle',
      lastMessage: expect.stringContaining('both sites are down and traffic stays on the primary'),
    });
    // Nothing asked of the DNS server or the Slack action, and the record still names the primary.
    await lab.until('a while of both down', () => (lab.check('hk-lb')?.consecutiveFailures ?? 0) >= 8);
    const audit = lab.audit();
    expect(steps(audit)).toEqual(['refused']);
    expect(lab.messages).toEqual([]);
    expect(await lab.answers()).toEqual([[PRIMARY], [PRIMARY]]);
    expect(lab.noc.filter((m) => m.text.includes('not failing over'))).toHaveLength(1);
    // The refusal is on the incident's timeline.
    expect(failoverSteps(lab.incidents().find((i) => i.id === incident.id)!)).toEqual(['refused']);
  });

  it("keeps a failover's failback in the incident that caused it, never in the next one", async () => {
    lab = new FailoverLab();
    await lab.start({ failback: '{ mode: automatic, rise: 2, hold: 1500ms }', cooldown: '1m' });
    await lab.until('primary up', () => lab.check('hk-lb')?.status === 'up' && lab.failover()?.state === 'idle');
    await lab.primary.stop();
    await lab.until('failed over', () => lab.failover()?.state === 'failed_over');
    // The incident reaches the board once written: it may come just after the failover's view.
    const first = await lab.until('incident 1', () => lab.incidents().find((i) => i.rootCause.id === 'hk-lb'));
    await lab.primary.start();
    // The incident resolves while the failback waits for its hold, and says what is pending.
    const resolved = await lab.until('incident 1 resolved', () =>
      lab.incidents().find((i) => i.id === first.id && i.state === 'resolved'),
    );
    expect(resolved.events.find((e) => e.kind === 'resolved')!.message).toContain(
      'failback pending (Hong Kong to Singapore is failed over)',
    );
    await lab.until('failed back', () => lab.failover()?.state === 'cooldown');
    // Down again during the cooldown: a second incident, which gets none of the first one's
    // steps, only what happened in it: the failover the cooldown suppressed.
    await lab.primary.stop();
    const second = await lab.until('incident 2', () =>
      lab.incidents().find((i) => i.rootCause.id === 'hk-lb' && i.state === 'open' && i.id !== first.id),
    );
    await lab.until('the suppression on incident 2', () =>
      failoverSteps(lab.incidents().find((i) => i.id === second.id)!).includes('suppressed'),
    );
    const one = lab.incidents().find((i) => i.id === first.id)!;
    const two = lab.incidents().find((i) => i.id === second.id)!;
    const audit = lab.audit().filter((r) => r.step !== 'finished' || r.detail.ok === true);
    expect(failoverSteps(one)).toEqual(steps(audit.filter((r) => r.at < two.detectedAt)));
    expect(failoverSteps(one).at(-1)).toBe('failed_back');
    expect(failoverSteps(two)).toEqual(['suppressed']);
  });

  it('a restart before the incident opens: the incident gets the whole story, with the times of the audit', async () => {
    lab = new FailoverLab();
    await lab.start({ alertFor: '6s' });
    await lab.until('primary up', () => lab.check('hk-lb')?.status === 'up' && lab.failover()?.state === 'idle');
    await lab.primary.stop();
    await lab.until('failed over', () => lab.failover()?.state === 'failed_over');
    expect(lab.incidents().filter((i) => i.state === 'open')).toEqual([]);
    const before = lab.audit();
    await lab.restartEngine();
    const incident = await lab.until(
      'the incident, once the alert fires',
      () => lab.incidents().find((i) => i.rootCause.id === 'hk-lb' && i.state === 'open'),
      30_000,
    );
    const decided = before.find((r) => r.step === 'decided')!;
    const story = incident.events.filter((e) => e.kind === 'failover' || e.kind === 'dns_propagation');
    expect(story.map((e) => e.data?.step)).toEqual(steps(before));
    expect(story.map((e) => e.at)).toEqual(before.map((r) => r.at));
    expect(incident.detectedAt).toBeLessThanOrEqual(decided.at);
    expect(incident.mttdMs).toBe(incident.openedAt - incident.detectedAt);
  }, 60_000);

  it("down through the alert's whole `for`: the incident opens as the engine starts, and still gets the story", async () => {
    lab = new FailoverLab();
    await lab.start({ alertFor: '3s' });
    await lab.until('primary up', () => lab.check('hk-lb')?.status === 'up' && lab.failover()?.state === 'idle');
    await lab.primary.stop();
    await lab.until('failed over', () => lab.failover()?.state === 'failed_over');
    const before = lab.audit();
    const decided = before.find((r) => r.step === 'decided')!;
    // The scenario is the engine being down longer than the alert's `for`: that is a wait on time.
    await lab.restartEngine(() => new Promise((resolve) => setTimeout(resolve, decided.at + 3_500 - Date.now())));
    const incident = await lab.until(
      'the incident',
      () => lab.incidents().find((i) => i.rootCause.id === 'hk-lb' && i.state === 'open'),
      30_000,
    );
    const story = incident.events.filter((e) => e.kind === 'failover' || e.kind === 'dns_propagation');
    expect(story.map((e) => e.data?.step)).toEqual(steps(before));
    expect(incident.detectedAt).toBeLessThanOrEqual(decided.at);
  }, 60_000);
});
