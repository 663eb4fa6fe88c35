import { expect, test, type Locator } from '@playwright/test';
import { Board } from './board.ts';
import { seriousViolations } from './support/axe.ts';
import { demoBoard, type DemoBoard } from './support/demo.ts';

/**
 * axe-core on every view, engineer and wall mode, during an outage (so incidents, toasts and the
 * knock-on are on screen): no serious or critical violations.
 */
test.describe('accessibility', () => {
  let demo: DemoBoard;

  test.beforeAll(async () => {
    demo = await demoBoard();
    await demo.lab.setOutage(true);
  });
  test.afterAll(async () => {
    await demo?.stop();
  });

  /** What shows each view is rendered with the outage's data, not just its frame. */
  const views: Record<string, (board: Board) => Locator> = {
    checks: (b) => b.page.locator('[data-testid="check-hk-lb"][data-status="down"]'),
    overview: (b) => b.openIncidents().first(),
    map: (b) => b.page.getByTestId('spread-link').first(),
    latency: (b) => b.page.locator('.chart-card .recharts-surface').first(),
    incidents: (b) => b.timelines().first(),
    'check/hk-lb': (b) => b.page.getByTestId('recent-errors'),
    'component/hk-api': (b) => b.page.getByTestId('component-incident'),
  };
  for (const mode of ['engineer', 'wall'] as const) {
    for (const [view, ready] of Object.entries(views)) {
      test(`${view} (${mode}) has no serious or critical violations`, async ({ page }) => {
        const board = new Board(page);
        await board.openView(demo.served.url, view, mode === 'wall' ? 'wall=1&rotate=0' : '');
        await expect(ready(board)).toBeVisible({ timeout: 30_000 });
        expect(await seriousViolations(page)).toEqual([]);
      });
    }
  }
});
