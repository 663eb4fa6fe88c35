import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { HttpTarget } from '../test/support/http-target.ts';
import { Board } from './board.ts';
import { freePort } from './support/free-port.ts';
import { serve, type Served } from './support/serve.ts';
import { screenshotBoth } from './support/shots.ts';

/**
 * When this observer's own reference check (its gateway, say) fails, the wall must say the
 * problem is our network, not the targets.
 */
test('the wall says "our network" when the observer is offline', async ({ page }) => {
  const dir = await mkdtemp(join(tmpdir(), 'knockon-e2e-vantage-'));
  const target = await new HttpTarget().start();
  const closed = await freePort();
  let served: Served | null = null;
  try {
    const configPath = join(dir, 'knockon.yaml');
    await writeFile(
      configPath,
      `board: { title: Vantage, timezone: Asia/Hong_Kong }
defaults: { interval: 300ms, timeout: 250ms, fall: 2, rise: 2 }
regions:
  - { id: hk, name: Hong Kong, lat: 22.32, lon: 114.17 }
checks:
  - { id: gateway, name: Our gateway, region: hk, type: http, url: "http://127.0.0.1:${closed}/" }
  - { id: api, name: HK API, region: hk, type: http, url: "${target.url}/health" }
vantage: { id: noc, name: NOC Hong Kong, reference_checks: [gateway] }
`,
    );
    served = await serve(['--config', configPath, '--data-dir', join(dir, 'data')]);
    const board = new Board(page);
    await board.openView(served.url, 'wall');
    const banner = page.getByTestId('vantage-banner');
    await expect(banner).toBeVisible();
    await expect(banner).toContainText('not our targets, our network');
    await expect(banner).toContainText('NOC Hong Kong');
    await expect(page.getByTestId('no-incidents')).toContainText('alerts are held');
    await screenshotBoth(page, 'vantage-offline');
  } finally {
    await served?.stop();
    await target.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
});
