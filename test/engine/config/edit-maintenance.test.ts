import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigEditor, revisionOf } from '../../../src/engine/config/edit.ts';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import type { ConfigDocumentView, ConfigEdit, ConfigEditOutcome } from '../../../src/shared/config-edit.ts';
import { ADMIN } from '../../support/actors.ts';
import { FakeClock } from '../../support/fake-clock.ts';

/** 2026-12-05 19:45:30 in Hong Kong (UTC+8). */
const NOW = Date.parse('2026-12-05T11:45:30.400Z');

const CONFIG = `# The HK edge, with its planned work.
board: { title: HK edge, timezone: Asia/Hong_Kong }
regions:
  - { id: hk, name: Hong Kong, lat: 22.32, lon: 114.17 }
checks:
  - { id: hk-lb, type: tcp, host: 127.0.0.1, port: 8080, region: hk }
  - { id: hk-api, type: http, url: "http://127.0.0.1:8081/health", region: hk }
components:
  - { id: hk-edge, name: HK edge, checks: [hk-lb, hk-api] }

maintenance:
  # Patch Tuesday: agreed with the change board.
  - id: patch-tuesday
    name: Patch Tuesday   # the CAB's name for it
    components: [hk-edge]
    every: { days: [tue], at: "02:00", for: 2h, timezone: Asia/Hong_Kong }
`;

let dir: string;
let file: string;
let clock: FakeClock;
const logs: string[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'knockon-edit-maintenance-'));
  file = join(dir, 'knockon.yaml');
  await writeFile(file, CONFIG);
  clock = new FakeClock(NOW);
  logs.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const editor = () => new ConfigEditor(file, (_level, message) => logs.push(message), clock);
const text = () => readFile(file, 'utf8');

async function edit(e: ConfigEdit): Promise<ConfigEditOutcome> {
  return editor().edit(revisionOf(await text()), e, ADMIN);
}

async function document(): Promise<Extract<ConfigDocumentView, { editable: true }>> {
  const view = await editor().document();
  if (!view.editable) throw new Error(view.reason);
  return view;
}

function windowsOf(source: string) {
  const outcome = parseConfigText(source, file);
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  return outcome.config.maintenance;
}

describe('config editor: maintenance windows from the board', () => {
  it('lists the windows as written, with the board’s time zone and each window’s next occurrence', async () => {
    const view = await document();
    expect(view.timezone).toBe('Asia/Hong_Kong');
    expect(view.now).toBe(NOW);
    expect(view.maintenance.map((w) => w.id)).toEqual(['patch-tuesday']);
    expect(view.windows).toEqual([
      {
        id: 'patch-tuesday',
        recurring: true,
        active: null,
        // Saturday 5 December: the next Tuesday 02:00 in Hong Kong is 8 December, 18:00 UTC the day before.
        next: { start: Date.parse('2026-12-07T18:00:00Z'), end: Date.parse('2026-12-07T20:00:00Z') },
        checks: ['hk-lb', 'hk-api'],
      },
    ]);
  });

  it('adds a one-off window from the form, keeping the file’s comments', async () => {
    const outcome = await edit({
      op: 'add',
      section: 'maintenance',
      item: {
        id: 'db-upgrade',
        name: 'DB upgrade',
        checks: ['hk-api'],
        start: '2026-12-06T02:00:00+08:00',
        end: '2026-12-06T04:00:00+08:00',
      },
    });
    expect(outcome).toMatchObject({ ok: true, message: 'added maintenance window "db-upgrade"' });
    const written = await text();
    expect(written).toBe(
      `${CONFIG}  - id: db-upgrade\n    name: DB upgrade\n    checks:\n      - hk-api\n    start: 2026-12-06T02:00:00+08:00\n    end: 2026-12-06T04:00:00+08:00\n`,
    );
    expect(windowsOf(written)[1]).toMatchObject({
      start: Date.parse('2026-12-05T18:00:00Z'),
      end: Date.parse('2026-12-05T20:00:00Z'),
    });
  });

  it('adds a recurring window to a file that has none yet', async () => {
    const without = CONFIG.slice(0, CONFIG.indexOf('\nmaintenance:') + 1);
    await writeFile(file, without);
    const outcome = await edit({
      op: 'add',
      section: 'maintenance',
      item: { id: 'nightly', regions: ['hk'], every: { at: '23:30', for: '1h', timezone: 'Asia/Hong_Kong' } },
    });
    expect(outcome.ok).toBe(true);
    const written = await text();
    expect(written).toContain('# The HK edge, with its planned work.\n');
    expect(windowsOf(written)).toEqual([
      expect.objectContaining({
        id: 'nightly',
        regions: ['hk'],
        every: { at: '23:30', for: 3_600_000, timezone: 'Asia/Hong_Kong' },
      }),
    ]);
    const view = await document();
    expect(view.windows[0]!.next).toEqual({
      start: Date.parse('2026-12-05T15:30:00Z'),
      end: Date.parse('2026-12-05T16:30:00Z'),
    });
  });

  it('starts maintenance on a check now, by the engine’s clock, in the board’s time zone', async () => {
    const outcome = await edit({ op: 'start-maintenance', target: 'checks', id: 'hk-lb', minutes: 30 });
    expect(outcome).toMatchObject({
      ok: true,
      message: 'added maintenance window "hk-lb-20261205-1945" on check "hk-lb" until 2026-12-05 20:15 Asia/Hong_Kong',
    });
    const written = await text();
    expect(written).toContain(
      '  - id: hk-lb-20261205-1945\n    name: Started from the board by Ada\n    checks:\n      - hk-lb\n' +
        '    start: 2026-12-05T19:45:30+08:00\n    end: 2026-12-05T20:15:30+08:00\n',
    );
    expect(written).toContain('    name: Patch Tuesday   # the CAB’s name for it\n'.replace('’', "'"));
    const view = await document();
    expect(view.windows.find((w) => w.id === 'hk-lb-20261205-1945')).toEqual({
      id: 'hk-lb-20261205-1945',
      recurring: false,
      active: { start: Date.parse('2026-12-05T11:45:30Z'), end: Date.parse('2026-12-05T12:15:30Z') },
      next: null,
      checks: ['hk-lb'],
    });
    // The same minute again: another id, not a duplicate.
    const again = await edit({ op: 'start-maintenance', target: 'components', id: 'hk-edge', minutes: 60 });
    expect(again).toMatchObject({ ok: true });
    const twice = await edit({ op: 'start-maintenance', target: 'checks', id: 'hk-lb', minutes: 60 });
    expect(twice).toMatchObject({ ok: true, message: expect.stringContaining('"hk-lb-20261205-1945-2"') });
  });

  it('ends a one-off window now by setting its end, and refuses what it cannot end', async () => {
    await edit({ op: 'start-maintenance', target: 'checks', id: 'hk-lb', minutes: 120 });
    await clock.advance(10 * 60_000);
    const ended = await edit({ op: 'end-maintenance', id: 'hk-lb-20261205-1945' });
    expect(ended).toMatchObject({
      ok: true,
      message:
        'changed maintenance window "hk-lb-20261205-1945" (ended at 2026-12-05 19:55 Asia/Hong_Kong; the window stays in the file as a record)',
    });
    const written = await text();
    expect(written).toContain('    start: 2026-12-05T19:45:30+08:00\n    end: 2026-12-05T19:55:30+08:00\n');
    expect((await document()).windows.find((w) => w.id === 'hk-lb-20261205-1945')!.active).toBeNull();

    const before = await text();
    expect(await edit({ op: 'end-maintenance', id: 'hk-lb-20261205-1945' })).toMatchObject({
      ok: false,
      reason: 'refused',
      message: 'maintenance window "hk-lb-20261205-1945" is not in force now: there is nothing to end',
    });
    expect(await edit({ op: 'end-maintenance', id: 'patch-tuesday' })).toMatchObject({
      ok: false,
      message: 'maintenance window "patch-tuesday" is not in force now: there is nothing to end',
    });
    expect(await edit({ op: 'end-maintenance', id: 'nope' })).toMatchObject({
      ok: false,
      message: 'there is no maintenance window "nope" in the file',
    });
    expect(await edit({ op: 'start-maintenance', target: 'checks', id: 'nope', minutes: 30 })).toMatchObject({
      ok: false,
      message: 'there is no check "nope" in the file',
    });
    expect(await text()).toBe(before);
  });

  it('ends the occurrence of a recurring window in force now, keeping its schedule and comments', async () => {
    // Tuesday 8 December, 02:40:12 in Hong Kong: Patch Tuesday (02:00 for 2 h) is in force.
    await clock.advance(Date.parse('2026-12-07T18:40:12.700Z') - NOW);
    const tuesday = Date.parse('2026-12-07T18:00:00Z');
    expect((await document()).windows.find((w) => w.id === 'patch-tuesday')!.active).toEqual({
      start: tuesday,
      end: tuesday + 2 * 3_600_000,
    });
    expect(await edit({ op: 'end-maintenance', id: 'patch-tuesday' })).toMatchObject({
      ok: true,
      message:
        'changed maintenance window "patch-tuesday" (its occurrence from 2026-12-08 02:00 Asia/Hong_Kong ended at 2026-12-08 02:40 Asia/Hong_Kong; the schedule stays)',
    });
    const written = await text();
    expect(written).toContain(
      "  # Patch Tuesday: agreed with the change board.\n  - id: patch-tuesday\n    name: Patch Tuesday # the CAB's name for it\n",
    );
    expect(written).toContain('    every: { days: [tue], at: "02:00", for: 2h, timezone: Asia/Hong_Kong }\n');
    expect(written).toContain(
      '    ended:\n      - occurrence: 2026-12-08T02:00:00+08:00\n        at: 2026-12-08T02:40:12+08:00\n',
    );
    // Out of maintenance now; the next Tuesday still comes, whole.
    const state = (await document()).windows.find((w) => w.id === 'patch-tuesday')!;
    expect(state.active).toBeNull();
    expect(state.next).toEqual({ start: tuesday + 7 * 86_400_000, end: tuesday + 7 * 86_400_000 + 2 * 3_600_000 });
    const parsed = parseConfigText(written, file);
    expect(parsed.ok && parsed.config.maintenance[0]!.ended).toEqual([
      { occurrence: tuesday, at: Date.parse('2026-12-07T18:40:12Z') },
    ]);
    // Nothing left to end in this occurrence.
    expect(await edit({ op: 'end-maintenance', id: 'patch-tuesday' })).toMatchObject({ ok: false, reason: 'refused' });

    // A week on, the next occurrence ends early too; the entry of a week ago stays, as a record.
    await clock.advance(7 * 86_400_000);
    expect(await edit({ op: 'end-maintenance', id: 'patch-tuesday' })).toMatchObject({ ok: true });
    expect(await text()).toContain(
      '    ended:\n      - occurrence: 2026-12-08T02:00:00+08:00\n        at: 2026-12-08T02:40:12+08:00\n' +
        '      - occurrence: 2026-12-15T02:00:00+08:00\n        at: 2026-12-15T02:40:12+08:00\n',
    );
    // Five weeks on, the entries over a month old are dropped as the next one is written.
    await clock.advance(35 * 86_400_000);
    expect(await edit({ op: 'end-maintenance', id: 'patch-tuesday' })).toMatchObject({ ok: true });
    expect(await text()).toContain(
      '    ended:\n      - occurrence: 2027-01-19T02:00:00+08:00\n        at: 2027-01-19T02:40:12+08:00\n',
    );
  });

  it('ends a window started within the same second at the next second, keeping it as a record', async () => {
    await edit({ op: 'start-maintenance', target: 'components', id: 'hk-edge', minutes: 60 });
    await clock.advance(200);
    expect(await edit({ op: 'end-maintenance', id: 'hk-edge-20261205-1945' })).toMatchObject({ ok: true });
    expect(await text()).toContain('    start: 2026-12-05T19:45:30+08:00\n    end: 2026-12-05T19:45:31+08:00\n');
  });

  it('refuses a bad time naming the field, and writes nothing', async () => {
    const outcome = await edit({
      op: 'add',
      section: 'maintenance',
      item: { id: 'bad', checks: ['hk-lb'], start: '2026-12-06 02:00', end: '2026-12-06T04:00:00+08:00' },
    });
    expect(outcome).toMatchObject({ ok: false, reason: 'invalid' });
    if (outcome.ok) return;
    expect(outcome.fields).toEqual({
      start: 'expected an ISO 8601 time with its zone (Z or +hh:mm), such as 2026-12-05T02:00:00Z',
    });
    expect(outcome.message).toContain('maintenance[1].start');
    const backwards = await edit({
      op: 'add',
      section: 'maintenance',
      item: { id: 'bad', checks: ['hk-lb'], start: '2026-12-06T04:00:00+08:00', end: '2026-12-06T02:00:00+08:00' },
    });
    expect(backwards).toMatchObject({ ok: false, fields: { end: 'expected end after start' } });
    expect(await text()).toBe(CONFIG);
  });

  it('deletes a window and only its lines', async () => {
    await edit({ op: 'start-maintenance', target: 'checks', id: 'hk-api', minutes: 30 });
    const outcome = await edit({ op: 'delete', section: 'maintenance', id: 'hk-api-20261205-1945' });
    expect(outcome).toMatchObject({ ok: true, message: 'deleted maintenance window "hk-api-20261205-1945"' });
    expect(await text()).toBe(CONFIG);
  });
});
