import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigEditor, DEMO_REFUSAL, revisionOf } from '../../../src/engine/config/edit.ts';
import { applyEdit } from '../../../src/engine/config/edit-yaml.ts';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { RpcRegistry } from '../../../src/engine/rpc.ts';
import type { ConfigEdit, ConfigEditOutcome } from '../../../src/shared/config-edit.ts';
import { ADMIN, OPERATOR } from '../../support/actors.ts';
import { fill, freeUp, mountTmpfs, unmount } from '../../support/full-disk.ts';

const CONFIG = `# Knockon: the Hong Kong / Singapore pair.
version: 1
board: { title: HK edge, timezone: Asia/Hong_Kong }

regions:
  - { id: hk, name: Hong Kong, lat: 22.32, lon: 114.17 }
  - { id: sg, name: Singapore, lat: 1.35, lon: 103.82 }

checks:
  # The load balancer in front of everything.
  - id: hk-lb
    name: "HK load balancer"   # quoted on purpose
    type: tcp
    host: 127.0.0.1
    port: 8080
    region: hk
    interval: 10s

  - id: sg-api
    type: http
    url: http://127.0.0.1:8081/health
    region: sg
    expect:
      status: [200]   # only 200
# checks end here

components:
  - { id: hk-edge, name: HK edge, kind: load_balancer, region: hk, checks: [hk-lb] }
  - id: sg-api
    checks: [sg-api]

alerts:
  - name: EdgeDown # pages
    condition: down
    severity: critical
`;

const logs: string[] = [];
const log = (_level: string, message: string) => logs.push(message);
let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'knockon-edit-'));
  file = join(dir, 'knockon.yaml');
  await writeFile(file, CONFIG);
  logs.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function edit(e: ConfigEdit, revision?: string): Promise<ConfigEditOutcome> {
  const editor = new ConfigEditor(file, log);
  return editor.edit(revision ?? revisionOf(await readFile(file, 'utf8')), e, ADMIN);
}

const text = () => readFile(file, 'utf8');

function parsed(source: string) {
  const outcome = parseConfigText(source, file);
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  return outcome.config;
}

describe('config editor: writes board edits back to the YAML file', () => {
  it('lists checks, components and alert rules as written, with the file and its revision', async () => {
    const view = await new ConfigEditor(file, log).document();
    if (!view.editable) throw new Error(view.reason);
    expect(view.file).toBe(file);
    expect(view.revision).toBe(revisionOf(CONFIG));
    expect(view.checks.map((c) => c.id)).toEqual(['hk-lb', 'sg-api']);
    expect(view.checks[0]!.item).toEqual({
      id: 'hk-lb',
      name: 'HK load balancer',
      type: 'tcp',
      host: '127.0.0.1',
      port: 8080,
      region: 'hk',
      interval: '10s',
    });
    expect(view.components.map((c) => c.id)).toEqual(['hk-edge', 'sg-api']);
    expect(view.alerts.map((a) => a.id)).toEqual(['EdgeDown']);
    expect(view.regions).toEqual(['hk', 'sg']);
  });

  it('adds a check after the last one, leaving every other byte of the file as it was', async () => {
    const outcome = await edit({
      op: 'add',
      section: 'checks',
      item: { id: 'sg-lb', type: 'tcp', host: '127.0.0.1', port: 9090, region: 'sg', interval: '30s' },
    });
    expect(outcome).toMatchObject({ ok: true, message: 'added check "sg-lb"' });
    const after = await text();
    const added =
      '  - id: sg-lb\n    type: tcp\n    host: 127.0.0.1\n    port: 9090\n    region: sg\n    interval: 30s\n';
    const at = CONFIG.indexOf('# checks end here');
    expect(after).toBe(CONFIG.slice(0, at) + added + CONFIG.slice(at));
    expect(parsed(after).checks.map((c) => c.id)).toEqual(['hk-lb', 'sg-api', 'sg-lb']);
    if (outcome.ok) expect(outcome.revision).toBe(revisionOf(after));
  });

  it('changes one field of a check and keeps its other fields, their comments and quoting, and the rest of the file', async () => {
    const view = await new ConfigEditor(file, log).document();
    if (!view.editable) throw new Error(view.reason);
    const item = { ...view.checks[0]!.item, port: 8443 };
    expect(await edit({ op: 'replace', section: 'checks', id: 'hk-lb', item })).toMatchObject({ ok: true });
    expect(await text()).toBe(CONFIG.replace('port: 8080', 'port: 8443').replace('"   # quoted', '" # quoted'));
  });

  it('pauses a check with enabled: false and resumes it by removing the field', async () => {
    expect(await edit({ op: 'pause', section: 'checks', id: 'sg-api', paused: true })).toMatchObject({
      ok: true,
      message: 'paused check "sg-api"',
    });
    const paused = await text();
    expect(paused).toBe(
      CONFIG.replace('      status: [200]   # only 200\n', '      status: [200] # only 200\n    enabled: false\n'),
    );
    expect(parsed(paused).checks[1]!.enabled).toBe(false);
    expect(await edit({ op: 'pause', section: 'checks', id: 'sg-api', paused: false })).toMatchObject({ ok: true });
    expect(parsed(await text()).checks[1]!.enabled).toBeUndefined();
    expect(await edit({ op: 'pause', section: 'alerts', id: 'EdgeDown', paused: true })).toMatchObject({ ok: true });
    expect(parsed(await text()).alerts[0]!.enabled).toBe(false);
    expect(await text()).toContain('  - name: EdgeDown # pages\n');
  });

  it('deletes a check and its lines only; a check still listed by a component is refused, naming the component', async () => {
    const refused = await edit({ op: 'delete', section: 'checks', id: 'hk-lb' });
    expect(refused).toMatchObject({ ok: false, reason: 'invalid' });
    if (!refused.ok) expect(refused.message).toMatch(/components\[0\]\.checks\[0\].*hk-lb/);
    expect(await text()).toBe(CONFIG);

    expect(await edit({ op: 'delete', section: 'components', id: 'sg-api' })).toMatchObject({ ok: true });
    expect(await edit({ op: 'delete', section: 'checks', id: 'sg-api' })).toMatchObject({ ok: true });
    const after = await text();
    expect(after).not.toContain('sg-api');
    expect(after).toContain('# The load balancer in front of everything.\n  - id: hk-lb\n');
    expect(after).toContain('    interval: 10s\n\n# checks end here\n');
    expect(after).toContain(
      '  - { id: hk-edge, name: HK edge, kind: load_balancer, region: hk, checks: [hk-lb] }\n\nalerts:',
    );
  });

  it('moves a check into a component by editing that component’s checks list in its own style', async () => {
    const outcome = await edit({
      op: 'add',
      section: 'checks',
      item: { id: 'hk-api', type: 'tcp', host: '127.0.0.1', port: 8082, region: 'hk' },
      component: 'hk-edge',
    });
    expect(outcome).toMatchObject({ ok: true, message: 'added check "hk-api" in component "hk-edge"' });
    const after = await text();
    expect(after).toContain(
      '  - { id: hk-edge, name: HK edge, kind: load_balancer, region: hk, checks: [hk-lb, hk-api] }\n',
    );
    expect(parsed(after).components[0]!.checks).toEqual(['hk-lb', 'hk-api']);
  });

  it('renames a check where components list it, and moves it between components on request', async () => {
    const view = await new ConfigEditor(file, log).document();
    if (!view.editable) throw new Error(view.reason);
    const renamed = await edit({
      op: 'replace',
      section: 'checks',
      id: 'hk-lb',
      item: { ...view.checks[0]!.item, id: 'hk-edge-lb' },
    });
    expect(renamed).toMatchObject({ ok: true, message: 'changed check "hk-lb" (renamed in component "hk-edge")' });
    expect(parsed(await text()).components[0]!.checks).toEqual(['hk-edge-lb']);
    const moved = await edit({
      op: 'replace',
      section: 'checks',
      id: 'sg-api',
      item: { ...view.checks[1]!.item },
      component: 'hk-edge',
    });
    expect(moved).toMatchObject({
      ok: true,
      message: 'changed check "sg-api" in component "hk-edge" (out of component "sg-api")',
    });
    // A component left without checks is still valid (its status is unknown).
    expect(parsed(await text()).components.map((c) => c.checks)).toEqual([['hk-edge-lb', 'sg-api'], []]);
    expect(
      await edit({ op: 'replace', section: 'checks', id: 'sg-api', item: view.checks[1]!.item, component: 'nope' }),
    ).toMatchObject({
      ok: false,
      reason: 'refused',
      message: 'there is no component "nope" in the file',
    });
  });

  it('keeps a list of one-line items one-line, and a Windows file’s line breaks', async () => {
    const windows = 'checks: # all of them\r\n  - { id: a, type: tcp, host: 127.0.0.1, port: 1 }\r\n';
    await writeFile(file, windows);
    expect(
      await edit({ op: 'add', section: 'checks', item: { id: 'b', type: 'tcp', host: '127.0.0.1', port: 2 } }),
    ).toMatchObject({ ok: true });
    expect(await text()).toBe(`${windows}  - { id: b, type: tcp, host: 127.0.0.1, port: 2 }\r\n`);
    expect(await edit({ op: 'pause', section: 'checks', id: 'a', paused: true })).toMatchObject({ ok: true });
    expect(await edit({ op: 'delete', section: 'checks', id: 'b' })).toMatchObject({ ok: true });
    expect(await text()).toBe(
      'checks: # all of them\r\n  - { id: a, type: tcp, host: 127.0.0.1, port: 1, enabled: false }\r\n',
    );
  });

  it('refuses an invalid edit with the field named, and writes nothing', async () => {
    const outcome = await edit({
      op: 'add',
      section: 'checks',
      item: { id: 'bad', type: 'http', url: 'not a url', region: 'mars' },
    });
    expect(outcome).toMatchObject({ ok: false, reason: 'invalid' });
    if (outcome.ok) return;
    expect(outcome.fields).toEqual({
      url: 'expected an absolute http:// or https:// URL',
      region: expect.stringContaining('unknown region "mars"'),
    });
    expect(outcome.issues[0]!.file).toBe(file);
    expect(await text()).toBe(CONFIG);
  });

  it('refuses an edit of a file that changed on disk since the board read it, and keeps the other change', async () => {
    const revision = revisionOf(CONFIG);
    const theirs = CONFIG.replace('interval: 10s', 'interval: 20s');
    await writeFile(file, theirs);
    const outcome = await edit({ op: 'pause', section: 'checks', id: 'hk-lb', paused: true }, revision);
    expect(outcome).toMatchObject({ ok: false, reason: 'conflict' });
    expect(await text()).toBe(theirs);
  });

  it('runs concurrent edits one at a time: the second, made against the same revision, is a conflict', async () => {
    const editor = new ConfigEditor(file, log);
    const revision = revisionOf(CONFIG);
    const [a, b] = await Promise.all([
      editor.edit(revision, { op: 'pause', section: 'checks', id: 'hk-lb', paused: true }, ADMIN),
      editor.edit(revision, { op: 'pause', section: 'checks', id: 'sg-api', paused: true }, ADMIN),
    ]);
    expect(a).toMatchObject({ ok: true });
    expect(b).toMatchObject({ ok: false, reason: 'conflict' });
  });

  it('records the actor in the log line', async () => {
    await edit({ op: 'pause', section: 'checks', id: 'hk-lb', paused: true });
    expect(logs).toContain(`config ${file}: paused check "hk-lb" by ${ADMIN.name} (${ADMIN.id} via ${ADMIN.via})`);
  });

  it('keeps the file’s mode and leaves no temporary file behind', async () => {
    await chmod(file, 0o640);
    await edit({ op: 'pause', section: 'checks', id: 'hk-lb', paused: true });
    expect(await readdir(dir)).toEqual(['knockon.yaml']);
    expect((await stat(file)).mode & 0o777).toBe(0o640);
  });

  it('refuses items that use YAML anchors or aliases, and a config from the built-in demo or through a link', async () => {
    await writeFile(
      file,
      `checks:\n  - &base { id: a, type: tcp, host: 127.0.0.1, port: 1 }\n  - { id: b, type: tcp, host: 127.0.0.1, port: 2 }\n`,
    );
    const view = await new ConfigEditor(file, log).document();
    if (!view.editable) throw new Error(view.reason);
    expect(view.checks.map((c) => [c.id, c.locked !== null])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    const outcome = await edit({ op: 'delete', section: 'checks', id: 'a' });
    expect(outcome).toMatchObject({ ok: false, reason: 'refused' });
    if (!outcome.ok) expect(outcome.message).toContain('anchors');

    const demo = await new ConfigEditor(null, log).document();
    expect(demo).toEqual({ editable: false, file: null, reason: DEMO_REFUSAL });
    const viaDemo = await new ConfigEditor(null, log).edit(
      '0'.repeat(64),
      { op: 'delete', section: 'checks', id: 'a' },
      ADMIN,
    );
    expect(viaDemo).toMatchObject({ ok: false, reason: 'refused', message: DEMO_REFUSAL });

    const link = join(dir, 'link.yaml');
    await symlink(file, link);
    const linked = await new ConfigEditor(link, log).document();
    expect(linked).toMatchObject({ editable: false, reason: expect.stringContaining('symbolic link') });
  });

  it('a failed write (a full disk) leaves the old file whole and no temporary file', async (context) => {
    const disk = join(dir, 'disk');
    await mkdir(disk);
    const cannot = mountTmpfs(disk, '256k');
    if (cannot) return context.skip(cannot);
    try {
      file = join(disk, 'knockon.yaml');
      await writeFile(file, CONFIG);
      fill(disk);
      const outcome = await edit({
        op: 'add',
        section: 'checks',
        item: { id: 'x', type: 'tcp', host: '127.0.0.1', port: 1, name: 'y'.repeat(2_000) },
      });
      expect(outcome).toMatchObject({
        ok: false,
        reason: 'refused',
        message: expect.stringContaining('left as it was'),
      });
      expect(await text()).toBe(CONFIG);
      expect((await readdir(disk)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      freeUp(disk);
      expect(await edit({ op: 'pause', section: 'checks', id: 'hk-lb', paused: true })).toMatchObject({ ok: true });
    } finally {
      unmount(disk);
    }
  });

  it('is served through the RPC registry, admin only', async () => {
    const rpc = new RpcRegistry();
    new ConfigEditor(file, log).register(rpc);
    await expect(rpc.dispatch('config.document', {}, OPERATOR)).rejects.toThrow(/admin/);
    const view = (await rpc.dispatch('config.document', {}, ADMIN)) as { revision: string };
    await expect(
      rpc.dispatch(
        'config.edit',
        { revision: view.revision, edit: { op: 'pause', section: 'components', id: 'x', paused: true } },
        ADMIN,
      ),
    ).rejects.toThrow(/only checks and alert rules can be paused/);
    await expect(
      rpc.dispatch(
        'config.edit',
        {
          revision: view.revision,
          edit: { op: 'add', section: 'alerts', item: { name: 'x' }, component: 'hk-edge' },
        },
        ADMIN,
      ),
    ).rejects.toThrow(/edit\.component: only a check is placed in a component/);
    const outcome = await rpc.dispatch(
      'config.edit',
      { revision: view.revision, edit: { op: 'pause', section: 'checks', id: 'hk-lb', paused: true } },
      ADMIN,
    );
    expect(outcome).toMatchObject({ ok: true });
  });
});

describe('config editor: the example configs', () => {
  const examples = ['hk-sg.yaml', 'hk-sg-data-tier.yaml', 'hk-sg-prometheus.yaml', 'hk-sg-route53.yaml'];
  it.each(examples)('pausing any check of %s changes only that check’s lines', async (name) => {
    const source = await readFile(new URL(`../../../resources/examples/${name}`, import.meta.url), 'utf8');
    const config = parsed(source);
    for (const check of config.checks) {
      const changed = applyEdit(source, { op: 'pause', section: 'checks', id: check.id, paused: true });
      if (!changed.ok) throw new Error(changed.message);
      expect(parsed(changed.text).checks.find((c) => c.id === check.id)!.enabled).toBe(false);
      const before = source.split('\n');
      const after = changed.text.split('\n');
      let prefix = 0;
      while (before[prefix] === after[prefix]) prefix++;
      let suffix = 0;
      while (suffix < before.length - prefix && before.at(-1 - suffix) === after.at(-1 - suffix)) suffix++;
      // What changed lies within the check's own lines, and the only line more is `enabled: false`.
      const removed = before.slice(prefix, before.length - suffix);
      const added = after.slice(prefix, after.length - suffix);
      expect(added.length - removed.length).toBe(1);
      expect(added.join('\n')).toContain('enabled: false');
      expect(removed.join('\n')).not.toMatch(/^\s*- /m);
    }
  });
});
