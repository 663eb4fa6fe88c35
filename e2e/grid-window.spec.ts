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
 * The windowed grid on a board bigger than a screen: 600 TCP checks in 4 regions against a real
 * listening port and a closed one. Only the rows near the screen are in the page, yet every
 * check can be found, counted, reached by keyboard and scrolled to.
 */
const PER_REGION = 150;
const REGIONS = ['r1', 'r2', 'r3', 'r4'];

test('the grid renders the tiles near the screen and still finds, counts and reaches every check', async ({ page }) => {
  test.setTimeout(120_000);
  const open = createServer((_req, res) => res.end('OK'));
  const openPort = await listen(open);
  const closedPort = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'knockon-e2e-grid-window-'));
  const checks = REGIONS.flatMap((region, r) =>
    Array.from({ length: PER_REGION }, (_, i) => {
      const n = r * PER_REGION + i;
      // Every tenth check of the first region is down: that region sorts first, its failures lead.
      const port = r === 0 && i % 10 === 0 ? closedPort : openPort;
      return `  - { id: n${n}, name: Node ${n}, region: ${region}, type: tcp, host: 127.0.0.1, port: ${port} }`;
    }),
  );
  await writeFile(
    join(dir, 'knockon.yaml'),
    `version: 1
board: { title: Big board, timezone: UTC }
defaults: { interval: 5s, timeout: 800ms, fall: 1, rise: 1 }
regions:
${REGIONS.map((id, i) => `  - { id: ${id}, name: Region ${i + 1}, lat: ${i * 10}, lon: ${i * 10} }`).join('\n')}
checks:
${checks.join('\n')}
`,
  );
  let served: Served | null = null;
  try {
    served = await serve(['--config', join(dir, 'knockon.yaml'), '--data-dir', join(dir, 'data')]);
    const board = new Board(page);
    await board.open(served.url, '#/checks');
    await board.waitForStatus('n0', 'down', 30_000);
    await expect(page.getByTestId('check-count')).toHaveText('600 of 600 checks');
    // Every region counts all its checks, while the page holds only the tiles near the screen.
    for (const id of REGIONS) await expect(page.getByTestId(`region-count-${id}`)).toContainText('150 checks');
    await expect(page.getByTestId('region-count-r1')).toContainText('15 down');
    const tiles = () => page.locator('.tile').count();
    expect(await tiles()).toBeLessThan(200);
    await expect(page.locator('section.region').first().locator('.tile').first()).toHaveAttribute(
      'data-status',
      'down',
    );

    await test.step('search finds a check far below the screen', async () => {
      await page.getByTestId('check-search').fill('Node 599');
      await expect(board.check('n599')).toBeVisible();
      await expect(page.getByTestId('check-count')).toHaveText('1 of 600 checks');
      await page.getByTestId('check-search').fill('');
      await expect(page.getByTestId('check-count')).toHaveText('600 of 600 checks');
    });

    await test.step('the keyboard walks through the tiles past the first screen', async () => {
      const first = page.locator('.tile-name a').first();
      await first.focus();
      // A person's Tab comes after the page has drawn the last one: each press waits for two
      // frames (the scroll it made, then the rows the window adds), or presses at machine speed
      // on a loaded machine outrun the window and leave the grid.
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press('Tab');
        await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
      }
      const focused = page.locator('.tile-name a:focus');
      await expect(focused).toHaveCount(1);
      await expect(focused).toBeInViewport();
      expect(await page.evaluate<number>('window.scrollY')).toBeGreaterThan(1000);
      expect(await tiles()).toBeLessThan(200);
    });

    await test.step("scrolled to the end, the last region's last rows are there", async () => {
      await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
      const last = page.locator('section.region').last();
      await expect(last.locator('.tile').last()).toBeInViewport();
      // Names as people count: Node 599 ends the last region.
      await expect(last.locator('.tile-name').last()).toHaveText('Node 599');
      expect(await tiles()).toBeLessThan(200);
    });
  } finally {
    await served?.stop();
    await close(open);
    await rm(dir, { recursive: true, force: true });
  }
});
