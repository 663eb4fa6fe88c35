import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { Board } from './board.ts';
import { seriousViolations } from './support/axe.ts';
import { startBadHourLab, type BadHourLab } from './support/bad-hour.ts';
import { serve, type Served } from './support/serve.ts';
import { expectNoMapOverlaps } from './support/map-overlaps.ts';
import { screenshotBoth } from './support/shots.ts';

/**
 * The board in a bad hour, against real loopback servers and a real `knockon serve`: 320 checks
 * in 8 regions; London fully down (its server refuses every connection), then N. Virginia
 * slow as a whole and five single components slow elsewhere; London's failover waiting for
 * approval, its action a real webhook.
 */
const TOKEN = 'e2e-bad-hour-token';
const SLOW_COMPONENTS = ['fra-search', 'sg-cache', 'hk-db', 'tyo-auth', 'syd-payments'];

let lab: BadHourLab;
let served: Served;
let dir: string;

test.describe('the board in a bad hour', () => {
  test.beforeAll(async () => {
    test.setTimeout(90_000);
    lab = await startBadHourLab();
    dir = await mkdtemp(join(tmpdir(), 'knockon-e2e-bad-hour-'));
    await writeFile(join(dir, 'knockon.yaml'), lab.configText);
    served = await serve(
      ['--config', join(dir, 'knockon.yaml'), '--data-dir', join(dir, 'data'), '--token', TOKEN],
      20_000,
      lab.env,
    );
  });

  test.afterAll(async () => {
    await served?.stop();
    await lab?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a NOC can read it and act from it', async ({ page }) => {
    test.setTimeout(240_000);
    const board = new Board(page);
    const url = served.url;

    await test.step('London goes down, N. Virginia and five components slow down', async () => {
      // 320 checks are more than the grid renders off screen: search for the one awaited.
      const waitFor = async (id: string, status: 'up' | 'down' | 'degraded', timeout = 20_000) => {
        await board.openView(url, `checks?q=${id}`);
        await board.waitForStatus(id, status, timeout);
      };
      await waitFor('lon-api-1', 'up', 30_000);
      // All at once: the warnings' rule waits 6 s and the critical's 2 s, so the warnings are
      // mostly newer than London's incident, and newest-first would bury it.
      await lab.setDown('lon', true);
      lab.setSlow('iad', true);
      for (const c of SLOW_COMPONENTS) lab.setSlow(c, true);
      await waitFor('lon-edge-1', 'down');
      await board.openView(url, 'overview');
      await expect(page.getByTestId('failover-lon-out')).toHaveAttribute('data-state', 'awaiting_approval', {
        timeout: 20_000,
      });
      // 1 critical and 6 warnings: the overview has room for 4, and says what it left out.
      await expect(page.getByTestId('more-incidents')).toHaveText('+ 3 warnings', { timeout: 20_000 });
    });

    await test.step('overview: criticals first, every region fits, the failover can be approved and failed back', async () => {
      await board.openView(url, 'overview');
      await expect(page.getByRole('navigation')).toBeVisible();
      const incidents = page.getByTestId('active-incidents').locator('[data-testid^="incident-"]');
      await expect(incidents.first()).toContainText('CRITICAL');
      await expect(incidents.first().getByTestId('root-cause')).toHaveText('London edge load balancer');
      await screenshotBoth(page, 'bad-hour-overview');
      // One incident for the slow region, whose edge is its root cause.
      const causes = page.getByTestId('active-incidents').getByTestId('root-cause');
      await expect(causes.filter({ hasText: /^N\. Virginia/ })).toHaveText(['N. Virginia edge load balancer']);
      for (const size of [
        { width: 1920, height: 1080 },
        { width: 3840, height: 2160 },
      ]) {
        await page.setViewportSize(size);
        await expectRegionsFit(page, size);
      }
      await page.setViewportSize({ width: 1920, height: 1080 });

      const policy = page.getByTestId('failover-lon-out');
      await expect(page.getByTestId('failover-fra-out').getByRole('button', { name: 'Start failover…' })).toBeVisible();
      await policy.getByRole('button', { name: 'Approve…' }).click();
      const dialog = page.getByTestId('confirm-dialog');
      await dialog.getByTestId('confirm-token').fill(TOKEN);
      await dialog.getByRole('button', { name: 'Approve failover' }).click();
      await expect(dialog).toBeHidden();
      await expect(policy).toHaveAttribute('data-state', 'failed_over', { timeout: 20_000 });
      expect(lab.webhook.requests).toHaveLength(1);
      await policy.getByRole('button', { name: 'Fail back…' }).click();
      await dialog.getByRole('button', { name: 'Fail back' }).click();
      await expect(dialog).toBeHidden();
      await expect(policy).not.toHaveAttribute('data-state', /failed_over|failing_back/, { timeout: 20_000 });
      expect(lab.webhook.requests).toHaveLength(2);
    });

    await test.step('incidents: ordered by severity, one for the slow region', async () => {
      await board.openView(url, 'incidents');
      const open = board.timelines().and(page.locator('[data-state="open"]'));
      await expect(open.first()).toContainText('London edge load balancer');
      await expect(open.filter({ hasText: 'N. Virginia' })).toHaveCount(1);
      await screenshotBoth(page, 'bad-hour-incidents');
      // Incident work: an update note on London's timeline; a warning resolved by hand.
      const dialog = page.getByTestId('confirm-dialog');
      const london = open.first();
      await london.getByTestId('add-note').click();
      await dialog.getByTestId('confirm-note').fill('DC says a PDU tripped');
      await dialog.getByRole('button', { name: 'Add note' }).click();
      await expect(dialog).toBeHidden();
      await expect(london.locator('[data-kind="note"]')).toContainText('DC says a PDU tripped');
      // The last open incident is a warning (criticals first); held by its id, as it moves once resolved.
      const byId = async (incident: ReturnType<typeof open.last>) =>
        page.getByTestId((await incident.getAttribute('data-testid'))!);
      const resolved = await byId(open.last());
      await resolved.getByTestId('resolve').click();
      await dialog.getByTestId('confirm-note').fill('known: a slow batch job');
      await dialog.getByRole('button', { name: 'Resolve' }).click();
      await expect(dialog).toBeHidden();
      await expect(resolved).toHaveAttribute('data-state', 'resolved');
      await expect(resolved.locator('[data-kind="resolved"]')).toContainText('by hand');
      // Silences: chosen length, listed while in force, ended early.
      const silenced = await byId(open.last());
      await silenced.getByTestId('silence-length').selectOption({ label: '15 min' });
      await silenced.getByTestId('silence').click();
      await expect(dialog).toContainText('15m 00s');
      await dialog.getByRole('button', { name: /^Silence/ }).click();
      await expect(dialog).toBeHidden();
      await expect(silenced.getByTestId('silenced-tag')).toBeVisible();
      await expect(page.getByTestId('active-silences')).toBeVisible();
      await silenced.getByTestId('end-silence').click();
      await dialog.getByRole('button', { name: 'End silence' }).click();
      await expect(silenced.getByTestId('silenced-tag')).toHaveCount(0);
      await expect(page.getByTestId('active-silences')).toHaveCount(0);
    });

    await test.step('checks grid: worst region first, CAUSE badge, natural order, no latency on down tiles, filter in the URL', async () => {
      await board.openView(url, 'checks');
      await expect(page.locator('section.region').first()).toHaveAttribute('data-testid', 'region-lon');
      await expect(page.getByTestId('cause-lon-edge-1')).toHaveText('CAUSE');
      // The cause's checks lead their region, ahead of the knock-ons behind them.
      await expect(page.getByTestId('region-lon').locator('.tile').first()).toHaveAttribute(
        'data-testid',
        /check-lon-edge-/,
      );
      await expect(page.getByTestId('region-count-iad')).toContainText('40 degraded');
      const names = await page.getByTestId('region-lon').locator('.tile-name').allTextContents();
      expect(names.indexOf('London api node 2')).toBeLessThan(names.indexOf('London api node 10'));
      await expect(board.check('lon-api-1').locator('.latency')).toHaveText('connect_refused');
      // Its latest results at a glance, oldest left: the refusals at the end.
      await expect(board.check('lon-api-1').locator('.beats')).toHaveAttribute('data-beats', /u+d+$/);
      await screenshotBoth(page, 'bad-hour-checks');
      await page.getByTestId('filter-problems').click();
      await expect(page).toHaveURL(/filter=problems/);
      await page.reload();
      await expect(page.getByTestId('filter-problems')).toHaveAttribute('aria-pressed', 'true');
    });

    await test.step('map and latency in the bad hour', async () => {
      await board.openView(url, 'map');
      await board.waitForMapStatus('lon', 'down');
      // Eight regions: each is one cluster marker with its components counted.
      await expect(page.getByTestId('map-cluster-lon')).toContainText('7 down of 7');
      await expect(page.locator('[data-testid^="map-item-"]')).toHaveCount(0);
      await screenshotBoth(page, 'bad-hour-map');
      await expectNoMapOverlaps(page);
      await board.openView(url, 'latency');
      await screenshotBoth(page, 'bad-hour-latency');
      // One y-axis for every chart, on demand: the top ticks agree, so heights compare.
      await page.getByTestId('shared-y').click();
      await expect(page).toHaveURL(/y=shared/);
      // Read at once: several charts, each labelled (a chart still fetching its series has no
      // labels, and '' would agree vacuously), all with the same top. A failure shows the tops.
      await expect
        .poll(
          async () => {
            const ticks = await topTicks(page);
            const agree = ticks.length > 1 && !ticks.includes('') && new Set(ticks).size === 1;
            return agree ? 'agree' : ticks.map((t) => t || '(fetching)').join(' | ');
          },
          { message: 'every chart ends its y-axis at the same value' },
        )
        .toBe('agree');
      await screenshotBoth(page, 'bad-hour-latency-shared');
      // A down check's failed probes are shaded as downtime, not drawn as fast latency.
      await board.openView(url, 'latency/lon-edge-1');
      await expect(page.getByTestId('legend-downtime')).toBeVisible();
      await expect(page.locator('.downtime path').first()).toBeAttached();
      await board.openView(url, 'check/lon-edge-1');
      await expect(page.getByTestId('heartbeat-bar').locator('.beat-d').first()).toBeVisible();
      await expect(page.getByTestId('avail-24h')).toContainText(/measured over \d+/);
      await screenshotBoth(page, 'bad-hour-check-detail');
    });

    await test.step('component view: the root cause from the overview, its checks, dependents and failover', async () => {
      await board.openView(url, 'overview');
      const cause = page.getByTestId('active-incidents').getByTestId('root-cause').first();
      await cause.getByRole('link', { name: 'London edge load balancer', exact: true }).click();
      const view = page.getByTestId('view-component');
      await expect(view).toHaveAttribute('data-component', 'lon-edge');
      await expect(page.getByTestId('component-incident')).toContainText('Root cause of');
      // Why it is down: its four checks, all down, each with its strip of results.
      const checks = page.getByTestId('component-checks').locator('li');
      await expect(checks).toHaveCount(4);
      await expect(page.getByTestId('component-checks').locator('li[data-status="down"]')).toHaveCount(4);
      await expect(checks.first().locator('.beats')).toBeAttached();
      await expect(page.getByTestId('component-depends-on')).toHaveText('nothing');
      // Every other London component depends on it, and each says it is a knock-on.
      const dependents = page.getByTestId('component-dependents').locator('li');
      await expect(dependents).toHaveCount(6);
      await expect(dependents.filter({ hasText: 'KNOCK-ON' })).toHaveCount(6);
      await expect(page.getByTestId('failover-lon-out')).toBeVisible();
      await screenshotBoth(page, 'bad-hour-component');
      expect(await seriousViolations(page)).toEqual([]);

      // A knock-on names its cause, and leads back to it.
      await page
        .getByTestId('component-dependents')
        .getByRole('link', { name: 'London orders API', exact: true })
        .click();
      await expect(view).toHaveAttribute('data-component', 'lon-api');
      await expect(page.getByTestId('component-incident')).toContainText('Knock-on of');
      await expect(page.getByTestId('component-depends-on')).toContainText('London edge load balancer');
      await expect(page.getByTestId('component-checks').locator('li')).toHaveCount(12);
      await screenshotBoth(page, 'bad-hour-component-knock-on');
      await page
        .getByTestId('component-incident')
        .getByRole('link', { name: 'London edge load balancer', exact: true })
        .click();
      await expect(view).toHaveAttribute('data-component', 'lon-edge');

      // The incidents view's impact list leads to a component too.
      await board.openView(url, 'incidents');
      await page.getByTestId('impacted').getByRole('link', { name: 'London orders API', exact: true }).first().click();
      await expect(view).toHaveAttribute('data-component', 'lon-api');

      // On the wall: the same view at wall size, without actions.
      await board.open(`${url}?wall=1&rotate=0`, '#/component/lon-edge');
      await expect(view).toHaveAttribute('data-component', 'lon-edge');
      await expect(page.getByTestId('maintenance-actions')).toHaveCount(0);
      await expect(page.getByTestId('failover-lon-out').getByRole('button')).toHaveCount(0);
      await screenshotBoth(page, 'bad-hour-component-wall');
    });

    await test.step('wall: the critical stays above the fold, toasts cover nothing, Esc leaves', async () => {
      await board.open(`${url}?wall=1&rotate=0`, '#/wall');
      await expect(page.getByRole('navigation')).toHaveCount(0);
      const first = page.getByTestId('active-incidents').locator('[data-testid^="incident-"]').first();
      await expect(first).toContainText('CRITICAL');
      await expect(first).toBeInViewport({ ratio: 1 });
      await expect(page.getByTestId('more-incidents')).toContainText(/\+ \d+ warnings?/);
      // London's failover asked again after the failback (still down): the wall says so up top.
      await expect(page.getByTestId('failover-attention')).toContainText('London to Frankfurt awaiting approval');
      await expect(page.getByTestId('failover-attention')).toBeInViewport();
      // A zero is not news: London's "0 up" is drawn muted, not in a status colour.
      await expect(board.regionCard('lon').locator('.muted', { hasText: '0 up' })).toHaveCount(1);
      // A new warning while the wall is up: its toast takes a band of its own and can be dismissed.
      lab.setSlow('gru-cache', true);
      const toast = page.getByTestId('toast').first();
      await expect(toast).toBeVisible({ timeout: 30_000 });
      // The column cannot scroll on the wall: every card shown and the "+ n" line end inside it,
      // also now that the toast's band has made it shorter.
      const column = page.getByTestId('active-incidents');
      for (const card of await column.locator('[data-testid^="incident-"]').all()) {
        await expect(card).toBeInViewport({ ratio: 1 });
      }
      await expect(page.getByTestId('more-incidents')).toBeInViewport({ ratio: 1 });
      await screenshotBoth(page, 'bad-hour-wall');
      const [toastBox, viewBox] = [await toast.boundingBox(), await page.locator('main.view').boundingBox()];
      expect(toastBox!.y, 'the toast sits below the view, covering none of it').toBeGreaterThanOrEqual(
        viewBox!.y + viewBox!.height,
      );
      await toast.getByTestId('toast-dismiss').click();
      await expect(page.getByTestId('toast')).toHaveCount(0);
      await page.mouse.move(400, 400);
      await page.mouse.move(500, 420);
      await expect(page.getByTestId('wall-exit')).toBeVisible();
      await page.keyboard.press('Escape');
      await expect(board.app()).toHaveAttribute('data-wall', 'false');
      await expect(board.app()).toHaveAttribute('data-view', 'overview');
      await expect(page.getByRole('navigation')).toBeVisible();
    });

    await test.step('overview: a toast that stays up hides nothing for good', async () => {
      // Another warning, now on the engineer's overview: its toast floats over the incident
      // column's bottom right (in a bad hour a burst keeps it up), and the column's end can be
      // scrolled out from under it.
      lab.setSlow('gru-db', true);
      await expect(page.getByTestId('toast').first()).toBeVisible({ timeout: 30_000 });
      const column = page.getByTestId('active-incidents');
      const last = column.locator(':scope > *').last();
      await expect
        .poll(
          async () => {
            await column.evaluate((el) => el.scrollTo(0, el.scrollHeight));
            const [end, toasts] = [await last.boundingBox(), await page.getByTestId('toasts').boundingBox()];
            return toasts!.y - (end!.y + end!.height);
          },
          { message: 'room between the column scrolled to its end and the toasts' },
        )
        .toBeGreaterThanOrEqual(0);
      await screenshotBoth(page, 'bad-hour-overview-toast');
    });
  });
});

/** Every region card inside the viewport, its provider region on one line, the title on one line. */
async function expectRegionsFit(page: Page, size: { width: number; height: number }): Promise<void> {
  const cards = page.locator('[data-testid^="region-card-"]');
  await expect(cards).toHaveCount(8);
  for (const box of await cards.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()))) {
    expect(box.bottom, `a region card ends below the fold at ${size.width}x${size.height}`).toBeLessThanOrEqual(
      size.height,
    );
    expect(box.right).toBeLessThanOrEqual(size.width);
  }
  // A string: this file is typed for Node, the check runs in the page.
  const wrapped =
    await page.evaluate(`[...document.querySelectorAll('.region-card .provider, .region-card h2, .board-header h1')]
    .filter((e) => {
      const style = getComputedStyle(e);
      const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.3;
      return e.getBoundingClientRect().height > line * 1.5;
    }).length`);
  expect(wrapped, 'region names, provider regions and the title each stay on one line').toBe(0);
}

/** The top y-axis tick of each latency chart on the page. */
function topTicks(page: Page): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll('.chart-card')].map((card) => {
    const ticks = [...card.querySelectorAll('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value')];
    return ticks.map((t) => t.textContent).at(-1) ?? '';
  })`);
}
