import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { close, listen } from '../src/demo/lab.ts';
import { Board } from './board.ts';
import { freePort } from './support/free-port.ts';
import { serve, type Served } from './support/serve.ts';

/**
 * A real engine restart on the same data directory: the board shows each check's last known
 * state marked stale (not "unknown, not probed yet"), and the region card and header counts
 * say so, until the checks are probed again.
 */
test('after a restart the last known states show, stale, until probed again', async ({ page }) => {
  test.setTimeout(90_000);
  const web = createServer((_req, res) => res.end('OK'));
  const webPort = await listen(web);
  const closedPort = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'knockon-e2e-restart-'));
  const configPath = join(dir, 'knockon.yaml');
  // The second start probes every 10 min, at offsets minutes away (phased by id): nothing is
  // probed again while the test looks, until the config goes back to every second.
  const config = (interval: string, maintenance = '') => `version: 1
board: { title: Restart, timezone: UTC }
defaults: { interval: ${interval}, timeout: 800ms, fall: 1, rise: 1 }
regions:
  - { id: r1, name: Region one, lat: 10, lon: 10 }
checks:
  - { id: web-a, name: Web A, region: r1, type: http, url: "http://127.0.0.1:${webPort}/" }
  - { id: gone-b, name: Gone B, region: r1, type: tcp, host: 127.0.0.1, port: ${closedPort} }
${maintenance}`;
  const args = ['--config', configPath, '--data-dir', join(dir, 'data'), '--token', 'e2e-restart'];
  let served: Served | null = null;
  try {
    await writeFile(configPath, config('1s'));
    served = await serve(args);
    const board = new Board(page);
    await board.open(served.url, '#/checks');
    await board.waitForStatus('web-a', 'up');
    await board.waitForStatus('gone-b', 'down');
    // The board says which file it runs from.
    await expect(page.getByTestId('config-source')).toHaveText('config: knockon.yaml');
    await expect(page.getByTestId('config-source')).toHaveAttribute('title', configPath);
    await served.stop();
    served = null;

    await writeFile(configPath, config('10m'));
    served = await serve(args);
    await board.open(served.url, '#/checks');
    for (const [id, status] of [
      ['web-a', 'up'],
      ['gone-b', 'down'],
    ] as const) {
      await expect(board.check(id)).toHaveAttribute('data-status', status);
      await expect(board.check(id)).toHaveAttribute('data-stale', 'true');
    }
    await expect(page.getByTestId('summary')).toHaveAttribute('data-stale', 'true');
    await expect(page.getByTestId('count-restored')).toContainText('2 not probed since restart');
    await board.openView(served.url, 'overview');
    await expect(board.regionCard('r1')).toHaveAttribute('data-status', 'down');
    await expect(board.regionCard('r1')).toHaveAttribute('data-stale', 'true');
    await expect(page.getByTestId('region-stale-r1')).toHaveText('◌ 2 stale');
    await board.screenshot('restart-stale-overview');

    // Probed again (the reload brings the next probe within a second): current, in colour.
    await writeFile(configPath, config('1s'));
    await expect(board.regionCard('r1')).toHaveAttribute('data-stale', 'false', { timeout: 20_000 });
    await expect(page.getByTestId('summary')).toHaveAttribute('data-stale', 'false');
    await board.openView(served.url, 'checks');
    await expect(board.check('web-a')).toHaveAttribute('data-stale', 'false');
    await expect(board.check('gone-b')).toHaveAttribute('data-status', 'down');
    await expect(board.check('gone-b')).toHaveAttribute('data-stale', 'false');

    // Planned maintenance, applied by the hot reload: the down check shows MAINT, not DOWN.
    const now = Date.now();
    await writeFile(
      configPath,
      config(
        '1s',
        `maintenance:
  - { id: swap, name: Disk swap, checks: [gone-b], start: "${new Date(now - 60_000).toISOString()}", end: "${new Date(now + 3_600_000).toISOString()}" }
`,
      ),
    );
    await board.waitForStatus('gone-b', 'maintenance');
    await expect(page.getByTestId('count-down')).toContainText('0 down');
  } finally {
    await served?.stop();
    await close(web);
    await rm(dir, { recursive: true, force: true });
  }
});
