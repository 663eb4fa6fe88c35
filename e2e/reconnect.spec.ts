import { expect, test } from '@playwright/test';
import { Board } from './board.ts';
import { freePort } from './support/free-port.ts';
import { serve, type Served } from './support/serve.ts';

/**
 * A wall never needs a click: when the server process dies and comes back on the same port,
 * the board shows the loss (stale data, "connection lost") and goes live again by itself.
 */
test('the board goes live again by itself after the server restarts', async ({ page }) => {
  test.setTimeout(90_000);
  const port = await freePort();
  let served: Served | null = await serve(['--port', String(port), '--demo-outage-every', '0']);
  try {
    const board = new Board(page);
    await board.open(`${served.url}?wall=1&rotate=0`, '#/checks');
    await board.waitForStatus('hk-lb', 'up');

    served.process.kill('SIGKILL');
    await served.stop();
    served = null;
    await board.waitForConnection('lost');
    await expect(board.check('hk-lb')).toHaveAttribute('data-stale', 'true');
    await board.screenshot('reconnect-lost');

    served = await serve(['--port', String(port), '--demo-outage-every', '0']);
    await board.waitForConnection('live', 30_000);
    await board.waitForStatus('hk-lb', 'up');
    await expect(board.check('hk-lb')).toHaveAttribute('data-stale', 'false');
    await board.screenshot('reconnect-live');
  } finally {
    await served?.stop();
  }
});
