import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import { hashPassword } from '../src/server/auth/passwords.ts';
import { Board } from './board.ts';
import { demoBoard, type DemoBoard } from './support/demo.ts';
import { screenshotBoth } from './support/shots.ts';

/**
 * Users and sign-in on the demo lab served by a real `knockon serve` with `auth:`: an operator
 * acknowledges (and cannot fail over), pages on other origins cannot act with their session, an
 * admin fails back, and the timeline names each of them; a kiosk link sees and cannot act.
 */
test.describe('signing in to the board', () => {
  let demo: DemoBoard;
  const evil: Server[] = [];

  test.beforeAll(async () => {
    const auth = `
auth:
  users:
    - { id: ana, name: Ana Lima, role: admin, password_hash: '${await hashPassword('admin pass')}' }
    - { id: olu, name: Olu Bello, role: operator, password_hash: '${await hashPassword('operator pass')}' }
`;
    demo = await demoBoard([], auth);
  });
  test.afterAll(async () => {
    for (const server of evil) server.close();
    await demo?.stop();
  });

  const signIn = (page: Page, user: string, password: string) =>
    new Board(page).signIn(demo.served.url, user, password);

  /** A page on another origin that tries to act on the board with whatever cookies the browser sends. */
  const attackerPage = async (host: string, target: string) => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<script>
        fetch(${JSON.stringify(target)}, { method: 'POST', credentials: 'include', mode: 'no-cors',
          headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ incidentId: location.hash.slice(1), forMs: 3600000 }) })
          .finally(() => { document.title = 'sent'; });
      </script>`);
    });
    evil.push(server);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return `http://${host === '127.0.0.1' ? '127.0.0.1' : 'localhost'}:${(server.address() as AddressInfo).port}/`;
  };

  test('an operator acknowledges, other origins cannot act, an admin fails back, a kiosk only sees', async ({
    page,
    browser,
  }) => {
    test.setTimeout(150_000);
    const board = new Board(page);
    const url = demo.served.url;

    await test.step('nobody signed in sees the sign-in form, not the board', async () => {
      await page.goto(url);
      await expect(page.getByTestId('sign-in')).toBeVisible();
      expect((await page.request.get(new URL('/api/snapshot', url).href)).status()).toBe(401);
      await screenshotBoth(page, 'sign-in');
    });

    await test.step('an operator acknowledges; failover buttons are not shown to them', async () => {
      await signIn(page, 'olu', 'operator pass');
      await expect(page.getByTestId('who-am-i')).toHaveText(/Olu Bello · operator/);
      await demo.lab.setOutage(true);
      await board.openView(url, 'wall');
      await board.waitForRegionStatus('hk', 'down');
      await expect(board.openIncidents().first()).toBeVisible({ timeout: 60_000 });
      await board.openView(url, 'incidents');
      const timeline = board.timelines().first();
      await expect(timeline).toHaveAttribute('data-state', 'open');
      await timeline.getByTestId('acknowledge').click();
      const dialog = page.getByTestId('confirm-dialog');
      await expect(dialog.getByTestId('confirm-token')).toHaveCount(0);
      await dialog.getByTestId('confirm-note').fill('on it');
      await dialog.getByRole('button', { name: 'Acknowledge' }).click();
      await expect(dialog).toBeHidden();
      await expect(timeline.locator('[data-kind="acknowledged"]')).toContainText('acknowledged by Olu Bello: on it');
      // The overview (not the wall, which never shows buttons) shows failover actions to admins only.
      await board.openView(url, 'overview');
      await expect(page.getByTestId('failover-hk-to-sg')).toBeVisible();
      await expect(page.getByTestId('failover-hk-to-sg').getByRole('button')).toHaveCount(0);
    });

    await test.step('pages on other origins cannot act with the session (CSRF)', async () => {
      await board.openView(url, 'incidents');
      const testId = (await board.timelines().first().getAttribute('data-testid')) ?? '';
      const incidentId = testId.replace(/^timeline-/, '');
      const target = new URL('/api/action/incidents.silence', url).href;
      // Another site (localhost is not 127.0.0.1): SameSite=Strict keeps the cookie at home.
      // The same host on another port: the same site, so the cookie goes, but the Origin is not the board's.
      for (const host of ['localhost', '127.0.0.1']) {
        const attacker = await page.context().newPage();
        await attacker.goto(`${await attackerPage(host, target)}#${incidentId}`);
        await expect(attacker).toHaveTitle('sent');
        await attacker.close();
      }
      const incidents = await page.request.get(
        new URL(`/api/query/incidents.list?params=${encodeURIComponent('{"since":0,"limit":50}')}`, url).href,
      );
      expect(incidents.status()).toBe(200);
      const events = ((await incidents.json()) as { events: { kind: string }[] }[]).flatMap((i) => i.events);
      expect(events.filter((e) => e.kind === 'silenced')).toEqual([]);
    });

    await test.step('an admin fails back; the timeline names who did what', async () => {
      await page.getByTestId('who-am-i').getByRole('button', { name: 'Sign out' }).click();
      // Signed out, the page reloads to the sign-in form (waited for: a navigation now would race it).
      await expect(page.getByTestId('sign-in')).toBeVisible();
      await signIn(page, 'ana', 'admin pass');
      await board.openView(url, 'overview');
      const policy = page.getByTestId('failover-hk-to-sg');
      await expect(policy).toHaveAttribute('data-state', 'failed_over', { timeout: 30_000 });
      await policy.getByRole('button', { name: 'Fail back…' }).click();
      const dialog = page.getByTestId('confirm-dialog');
      await dialog.getByRole('button', { name: 'Fail back' }).click();
      await expect(dialog).toBeHidden();
      await board.openView(url, 'incidents');
      const timeline = board.timelines().first();
      await expect(timeline).toContainText('failback by Ana Lima');
      await expect(timeline).toContainText('acknowledged by Olu Bello');
      await timeline.getByText('failback by Ana Lima').scrollIntoViewIfNeeded();
      await screenshotBoth(page, 'incident-timeline-actors');
    });

    await test.step('a kiosk link shows the wall without sign-in, and cannot act', async () => {
      const made = await page.request.post(new URL('/api/action/auth.createKioskLink', url).href, {
        data: { name: 'lobby wall' },
        headers: { origin: url.replace(/\/$/, '') },
      });
      expect(made.status()).toBe(200);
      const { secret } = (await made.json()) as { secret: string };
      const wall = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
      const kiosk = await wall.newPage();
      await kiosk.goto(new URL(secret, url).href);
      await expect(kiosk.getByTestId('who-am-i')).toHaveText(/kiosk lobby wall · viewer/);
      await expect(kiosk.locator('[data-wall="true"]')).toBeVisible();
      await kiosk.goto(new URL('/#/incidents', url).href);
      await expect(new Board(kiosk).timelines().first()).toBeVisible();
      await expect(kiosk.getByTestId('acknowledge')).toHaveCount(0);
      await expect(kiosk.getByTestId('silence')).toHaveCount(0);
      await wall.close();
      await demo.lab.setOutage(false);
    });
  });
});
