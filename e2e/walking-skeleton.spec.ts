import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { HttpTarget } from '../test/support/http-target.ts';
import { Board } from './board.ts';
import { serve, type Served } from './support/serve.ts';

const config = (url: string, extra = '') => `board: { title: E2E board, timezone: Asia/Hong_Kong }
defaults: { interval: 300ms, timeout: 250ms, fall: 3, rise: 2 }
regions:
  - { id: hk, name: Hong Kong, lat: 22.32, lon: 114.17 }
checks:
  - id: primary
    name: HK primary
    region: hk
    type: http
    url: ${url}/health
${extra}`;

test.describe('walking skeleton: one check from a config file to the board', () => {
  let dir: string;
  let target: HttpTarget;
  let served: Served;
  let configPath: string;

  test.beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-e2e-'));
    target = await new HttpTarget().start();
    configPath = join(dir, 'knockon.yaml');
    await writeFile(configPath, config(target.url));
    served = await serve(['--config', configPath]);
  });

  test.afterEach(async () => {
    await served?.stop();
    await target?.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  test('shows the check go down when its server stops, and up when it returns', async ({ page }) => {
    const board = new Board(page);
    await board.open(served.url);
    await board.waitForStatus('primary', 'up');
    await expect(board.check('primary')).toContainText('HK primary');
    await expect(page.getByTestId('clock')).toContainText('Hong Kong');
    await board.screenshot('skeleton-up');

    await target.stop();
    await board.waitForStatus('primary', 'down');
    await expect(board.check('primary')).toContainText('DOWN');
    await expect(board.check('primary')).toContainText('connect_refused');
    await expect(page.getByTestId('count-down')).toContainText('1 down');
    await board.screenshot('skeleton-down');

    await target.start();
    await board.waitForStatus('primary', 'up');
  });

  test('picks up config changes live and keeps the last good config when the file breaks', async ({ page }) => {
    const board = new Board(page);
    await board.open(served.url);
    await board.waitForStatus('primary', 'up');

    await writeFile(
      configPath,
      config(target.url, `  - { id: second, name: Second, region: hk, type: http, url: "${target.url}/2" }\n`),
    );
    await board.waitForStatus('second', 'up');

    await writeFile(configPath, 'checks:\n  - id: primary\n    type: http\n    url: nope\n');
    await expect(board.configError()).toContainText('knockon.yaml:4:10');
    await expect(board.configError()).toContainText('checks[0].url');
    await expect(board.check('second')).toBeVisible();
    await board.waitForStatus('primary', 'up');
    await board.screenshot('skeleton-config-error');
  });
});
