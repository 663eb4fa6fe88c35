import { expect, test } from '@playwright/test';
import { Board } from './board.ts';
import { demoBoard, type DemoBoard } from './support/demo.ts';
import { screenshotBoth } from './support/shots.ts';

/**
 * Every view against the demo lab served by `knockon serve`: healthy first, then through the
 * Hong Kong load balancer outage (root cause, knock-on effects, incident, acknowledgement) and
 * back. The test starts and ends the outage itself, so nothing waits for a timer.
 */
test.describe('the board through a Hong Kong outage', () => {
  let demo: DemoBoard;

  test.beforeAll(async () => {
    demo = await demoBoard();
  });
  test.afterAll(async () => {
    await demo?.stop();
  });

  test('shows regions, map, latency, incident timeline and check detail', async ({ page }) => {
    test.setTimeout(150_000);
    const board = new Board(page);
    const url = demo.served.url;

    await test.step('healthy: every region up on the overview and the map, no incident', async () => {
      await board.openView(url, 'wall');
      for (const region of ['hk', 'sg', 'tyo']) await board.waitForRegionStatus(region, 'up');
      await expect(page.getByTestId('no-incidents')).toBeVisible();
      await expect(page.getByTestId('clock')).toContainText('Hong Kong');
      await expect(page.getByTestId('data-age')).toContainText('old');
      await screenshotBoth(page, 'overview-healthy');

      await board.openView(url, 'map');
      for (const region of ['hk', 'sg', 'tyo']) await board.waitForMapStatus(region, 'up');
      await expect(board.mapItem('hk-lb')).toBeVisible();
      await expect(page.getByTestId('map-no-spread')).toBeVisible();
      await expect(page.getByTestId('dependency-link')).toHaveCount(5);
      await screenshotBoth(page, 'map-healthy');
    });

    await test.step('outage: the HK load balancer is the root cause, the rest knock-on', async () => {
      await board.openView(url, 'wall');
      await demo.lab.setOutage(true);
      await board.waitForRegionStatus('hk', 'down');
      await board.waitForRegionStatus('tyo', 'down');
      // The Singapore backup takes the load and slows past its degraded_latency: degraded, not down.
      await board.waitForRegionStatus('sg', 'degraded');
      const incident = board.openIncidents().first();
      await expect(incident.getByTestId('root-cause')).toHaveText('HK edge load balancer');
      await expect(incident).toContainText('Tokyo quotes');
      await expect(incident).toContainText(/4 impacted in 2 regions/);
      await expect(board.regionCard('hk')).toContainText('CAUSE');
      await expect(board.regionCard('tyo')).toContainText('KNOCK-ON');
      // The demo's dry-run failover policy reacts to the same outage.
      await expect(page.getByTestId('failover-hk-to-sg')).toHaveAttribute('data-state', /running|failed_over/);
      // In a browser without notification permission, notices arrive as toasts.
      await expect(page.getByTestId('toast').first()).toContainText('HK edge load balancer');
      await screenshotBoth(page, 'overview-outage');
    });

    await test.step('map: markers by status and the knock-on drawn from cause to effect', async () => {
      await board.openView(url, 'map');
      await board.waitForMapStatus('hk', 'down');
      await board.waitForMapStatus('sg', 'degraded');
      await expect(board.mapItem('hk-lb')).toHaveAttribute('data-status', 'down');
      await expect(board.mapItem('hk-lb')).toHaveClass(/is-root/);
      await expect(page.getByTestId('spread-link')).toHaveCount(4);
      await expect(page.getByTestId('map-spread')).toContainText('HK edge load balancer');
      await screenshotBoth(page, 'map-outage');
      // A component's marker is a link to its view, from the keyboard too.
      await page.locator('a:has([data-testid="map-item-hk-api"])').focus();
      await page.keyboard.press('Enter');
      await expect(page.getByTestId('view-component')).toHaveAttribute('data-component', 'hk-api');
      await expect(page.getByTestId('component-depends-on')).toContainText('HK edge load balancer');
      await expect(page.getByTestId('component-dependents')).toContainText('Tokyo quotes');
      await expect(page.getByTestId('component-check-hk-api')).toBeVisible();
    });

    await test.step('incidents: the timeline has detection and firing; acknowledging needs the token', async () => {
      await board.openView(url, 'incidents');
      const timeline = board.timelines().first();
      await expect(timeline).toHaveAttribute('data-state', 'open');
      await expect(timeline.locator('[data-kind="detected"]')).toHaveCount(1);
      await expect(timeline.locator('[data-kind="firing"]').first()).toBeVisible();
      await expect(timeline.getByTestId('impacted')).toContainText('Tokyo quotes');
      await expect(timeline).toContainText('MTTD');

      await timeline.getByTestId('acknowledge').click();
      const dialog = page.getByTestId('confirm-dialog');
      await expect(dialog).toBeVisible();
      await dialog.getByTestId('confirm-token').fill('wrong-token');
      await dialog.getByRole('button', { name: 'Acknowledge' }).click();
      await expect(dialog.getByRole('alert')).toContainText(/token/i);
      await dialog.getByTestId('confirm-token').fill(demo.token);
      await dialog.getByTestId('confirm-note').fill('on it');
      await dialog.getByRole('button', { name: 'Acknowledge' }).click();
      await expect(dialog).toBeHidden();
      await expect(timeline.locator('[data-kind="acknowledged"]')).toHaveCount(1);
      await expect(timeline).toContainText('on it');
      await screenshotBoth(page, 'incidents-outage');
    });

    await test.step('check detail: recent errors with their class, phase timings', async () => {
      await board.openView(url, 'check/hk-lb');
      await expect(board.view('check')).toContainText('HK edge load balancer');
      await expect(page.getByTestId('recent-errors')).toContainText('connect_refused');
      await expect(page.getByTestId('phase-timings')).toBeVisible();
      await screenshotBoth(page, 'check-detail-outage');
    });

    await test.step('latency: p50/p95/p99 charts per check and per region from the history store', async () => {
      await board.openView(url, 'latency');
      const card = page.getByTestId('latency-sg-api');
      await expect(card).toBeVisible();
      await expect(card.locator('.chart-line')).toHaveCount(3);
      await page.getByTestId('range-6h').click();
      await expect(page).toHaveURL(/range=6h/);
      // A young lab may have a single 6-hour bucket: its lines are dots, but the three series are there.
      await expect(card.locator('.chart-line')).toHaveCount(3);
      await screenshotBoth(page, 'latency');
      await page.getByTestId('by-region').click();
      // One line per Hong Kong check: the load balancer, three services and the DNS check.
      await expect(page.getByTestId('latency-region-hk').locator('.chart-line')).toHaveCount(5);
      await screenshotBoth(page, 'latency-regions');
    });

    await test.step('checks: filter and search', async () => {
      await board.openView(url, 'checks');
      await board.waitForStatus('hk-lb', 'down');
      await page.getByTestId('filter-down').click();
      await expect(board.check('sg-lb')).toHaveCount(0);
      await expect(board.check('hk-api')).toBeVisible();
      await page.getByTestId('filter-all').click();
      await page.getByTestId('check-search').fill('tokyo');
      await expect(page.getByTestId('check-count')).toHaveText('1 of 8 checks');
      await screenshotBoth(page, 'checks-search');
    });

    await test.step('recovery: the incident resolves and the timeline says so', async () => {
      await demo.lab.setOutage(false);
      await board.openView(url, 'incidents');
      const timeline = board.timelines().first();
      await expect(timeline).toHaveAttribute('data-state', 'resolved', { timeout: 30_000 });
      await expect(timeline.locator('[data-kind="resolved"]')).toHaveCount(1);
      await expect(timeline.getByTestId('mttr')).toContainText('MTTR');
      await screenshotBoth(page, 'incidents-resolved');
      await board.openView(url, 'wall');
      await board.waitForRegionStatus('hk', 'up');
      await expect(page.getByTestId('no-incidents')).toBeVisible();
    });
  });
});
