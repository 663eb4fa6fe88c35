import { expect, test } from '@playwright/test';
import { Board } from './board.ts';
import { serve, type Served } from './support/serve.ts';
import { screenshotBoth } from './support/shots.ts';

/** The wall as a kiosk runs it: the built-in demo lab, rotating views, nothing to click. */
test.describe('wall mode on the built-in demo lab', () => {
  let served: Served;

  test.beforeAll(async () => {
    // The first scripted outage after 4 s (instead of a minute), then none for the rest of the run.
    served = await serve(['--demo-first-outage', '4000', '--demo-outage-every', '600000']);
  });
  test.afterAll(async () => {
    await served?.stop();
  });

  test('rotates through the views on its dwell, with no navigation', async ({ page }) => {
    const board = new Board(page);
    await board.open(`${served.url}?wall=1&dwell=1`, '#/wall');
    await expect(board.app()).toHaveAttribute('data-wall', 'true');
    await expect(board.app()).toHaveAttribute('data-rotating', 'true');
    await expect(page.getByRole('navigation')).toHaveCount(0);
    for (const view of ['map', 'latency', 'incidents', 'wall'] as const) await board.waitForView(view);
    await expect(page.getByTestId('rotation')).toContainText('every 1s');
  });

  test('a pinned wall view stays put', async ({ page }) => {
    const board = new Board(page);
    await board.openView(served.url, 'map', 'wall=1&rotate=0');
    await expect(board.app()).toHaveAttribute('data-rotating', 'false');
    await expect(board.mapRegion('hk')).toBeVisible();
    // Long enough for a rotating wall to have moved on twice at its shortest dwell.
    await page.waitForTimeout(2500);
    await expect(board.app()).toHaveAttribute('data-view', 'map');
  });

  test('shows the scripted Hong Kong outage on the wall overview', async ({ page }) => {
    const board = new Board(page);
    await board.openView(served.url, 'wall');
    await board.waitForRegionStatus('hk', 'down', 30_000);
    // The Singapore backup takes the load and slows down: degraded, not down.
    await board.waitForRegionStatus('sg', 'degraded');
    await expect(board.regionCard('hk')).toContainText('DOWN');
    await expect(page.getByTestId('count-down')).not.toContainText(/^\s*■?\s*0 down/);
    await screenshotBoth(page, 'wall-demo-outage');
  });
});
