import { createServer, type Server } from 'node:http';
import { expect, test } from '@playwright/test';
import { hashAgentToken } from '../src/engine/store/agent-tokens.ts';
import { startAgentsLab, type AgentsLab } from '../test/support/agents-lab.ts';
import { Board } from './board.ts';

const IDS = ['sg', 'tyo', 'fra'] as const;
const TOKENS = Object.fromEntries(IDS.map((id) => [id, `kna_look-${id}-token`])) as Record<string, string>;
const REGIONS = [
  { id: 'hk', name: 'Hong Kong', lat: 22.3, lon: 114.2 },
  { id: 'sgp', name: 'Singapore', lat: 1.35, lon: 103.8 },
  { id: 'fra', name: 'Frankfurt', lat: 50.1, lon: 8.7 },
  { id: 'iad', name: 'N. Virginia', lat: 38.9, lon: -77.4 },
  { id: 'syd', name: 'Sydney', lat: -33.9, lon: 151.2 },
  { id: 'gru', name: 'São Paulo', lat: -23.5, lon: -46.6 },
];
const PER = 20;
let lab: AgentsLab;
let target: Server;
let hkDown = false;

/** Who fails: hk from everyone (after the start), sgp 1-8 from tyo, fra 1-5 from sg, iad 1-6 slow from fra. */
function answer(path: string, from: string): { status: number; delay: number } {
  const [, region, n] = path.split('/');
  const i = Number(n);
  if (region === 'hk' && hkDown) return { status: 500, delay: 0 };
  if (region === 'sgp' && i <= 8 && from === 'tyo') return { status: 503, delay: 0 };
  if (region === 'fra' && i <= 5 && from === 'sg') return { status: 502, delay: 0 };
  if (region === 'iad' && i <= 6 && from === 'fra') return { status: 200, delay: 450 };
  return { status: 200, delay: 0 };
}

test.describe('look: vantages in a bad hour', () => {
  test.beforeAll(async () => {
    test.setTimeout(120_000);
    target = createServer((req, res) => {
      const { status, delay } = answer(req.url ?? '/', String(req.headers['x-probe-from']));
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end('x');
      }, delay);
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', () => resolve()));
    const port = (target.address() as { port: number }).port;
    const checks: string[] = [];
    const components: string[] = [];
    for (const r of REGIONS) {
      const ids: string[] = [];
      for (let n = 1; n <= PER; n++) {
        const id = `${r.id}-web-${n}`;
        ids.push(id);
        checks.push(`  - { id: ${id}, name: ${r.name} web ${n}, type: http, region: ${r.id}, url: "http://127.0.0.1:${port}/${r.id}/${n}", headers_env: { x-probe-from: PROBE_FROM }, degraded_latency: 300ms }`);
      }
      components.push(`  - { id: ${r.id}-web, name: ${r.name} web, kind: service, region: ${r.id}, checks: [${ids.join(', ')}] }`);
    }
    lab = await startAgentsLab({
      env: { PROBE_FROM: 'local' },
      config: `
board: { title: Vantages in a bad hour }
defaults: { interval: 2s, timeout: 1s, fall: 2, rise: 2, vantages: [local, sg, tyo, fra], quorum: majority }
regions:
${REGIONS.map((r) => `  - { id: ${r.id}, name: ${r.name}, lat: ${r.lat}, lon: ${r.lon} }`).join('\n')}
vantages:
  - { id: sg, name: Singapore, token_sha256: ${hashAgentToken(TOKENS.sg!)}, offline_after: 5s, lat: 1.35, lon: 103.8 }
  - { id: tyo, name: Tokyo, token_sha256: ${hashAgentToken(TOKENS.tyo!)}, offline_after: 5s, lat: 35.7, lon: 139.7 }
  - { id: fra, name: Frankfurt, token_sha256: ${hashAgentToken(TOKENS.fra!)}, offline_after: 5s, lat: 50.1, lon: 8.7 }
checks:
${checks.join('\n')}
components:
${components.join('\n')}
alerts:
  - { name: ServerDown, condition: down, for: 2s, severity: critical }
  - { name: Slow, condition: degraded, for: 6s, severity: warning }
receivers:
  - { id: board, type: desktop }
`,
      agents: IDS.map((id) => ({ vantage: id, token: TOKENS[id]!, env: { PROBE_FROM: id }, args: ['--sync-interval', '350ms'] })),
    });
  });

  test.afterAll(async () => {
    await lab?.stop();
    await new Promise((resolve) => target?.close(resolve));
  });

  test('look', async ({ page }) => {
    test.setTimeout(180_000);
    const board = new Board(page);
    const url = lab.centre.url;
    await page.setViewportSize({ width: 1920, height: 1080 });
    await board.openView(url, 'checks');
    await expect(page.getByTestId('path-sgp-web-1')).toBeVisible({ timeout: 40_000 });
    hkDown = true;
    await expect(board.check('hk-web-3')).toHaveAttribute('data-status', 'down', { timeout: 30_000 });
    await page.waitForTimeout(8000);
    for (const view of ['overview', 'incidents', 'latency', 'check/hk-web-1', 'check/iad-web-2']) {
      await board.openView(url, view);
      await page.waitForTimeout(2500);
      await page.screenshot({ path: `/tmp/look/${view.replace(/[/?=]/g, '-')}.png` });
      if (view === 'map') console.log(JSON.stringify(await page.evaluate(`[...document.querySelectorAll('.map-canvas .region-label, .map-canvas .region-state, .map-canvas .vantage-label, .map-canvas .vantage-marker path, .map-canvas .cluster-ring')].map(e => { const r = e.getBoundingClientRect(); return [e.textContent || e.closest('g').dataset.testid, Math.round(r.left), Math.round(r.top), Math.round(r.right), Math.round(r.bottom)]; })`)));
    }
  });
});
