import { expect, request as playwrightRequest, test, type Request } from '@playwright/test';
import { Board } from './board.ts';
import { ANA_AND_OLU, authSection } from './support/auth.ts';
import { seriousViolations } from './support/axe.ts';
import { demoBoard, type DemoBoard } from './support/demo.ts';
import { screenshotBoth } from './support/shots.ts';

/**
 * The Access screen on the demo lab served by a real `knockon serve` with `auth:`: before sign-in
 * the page is the form alone (no alarm); an operator never sees the screen and the server refuses
 * them its lists; an admin makes a kiosk link and an API token (which acts until revoked there),
 * a wall opens the link in its own browser and sees the board with nothing to press, and the
 * admin's revoke signs the wall out at once.
 */
test.describe('tokens and kiosk links', () => {
  let demo: DemoBoard;

  test.beforeAll(async () => {
    demo = await demoBoard([], await authSection(ANA_AND_OLU));
  });
  test.afterAll(async () => {
    await demo?.stop();
  });

  test('an admin makes a kiosk link, a wall opens it and cannot act, and its revoke ends it at once', async ({
    page,
    browser,
  }) => {
    test.setTimeout(120_000);
    const board = new Board(page);
    const url = demo.served.url;

    await test.step('before sign-in: the sign-in form, no event stream, no connection alarm', async () => {
      const streams: Request[] = [];
      page.on('request', (r) => {
        if (new URL(r.url()).pathname === '/api/events') streams.push(r);
      });
      await page.goto(url);
      await expect(page.getByTestId('sign-in')).toBeVisible();
      await page.waitForLoadState('networkidle');
      await expect(page.getByTestId('connection')).toHaveCount(0);
      await expect(page.getByTestId('summary')).toHaveCount(0);
      expect(streams).toEqual([]);
      const me = await page.request.get(new URL('/auth/me', url).href);
      expect(me.status()).toBe(401);
      expect(await me.json()).toEqual({ mode: 'signed-out', sso: false });
    });

    await test.step('an operator sees no Access screen, and the server refuses them its lists', async () => {
      await board.signIn(url, 'olu', 'operator pass');
      await board.openView(url, 'checks');
      await expect(page.getByTestId('nav-vantages')).toBeVisible();
      await expect(page.getByTestId('nav-access')).toHaveCount(0);
      await board.openView(url, 'access');
      await expect(board.view('access')).toContainText('Tokens and kiosk links are for admins.');
      await expect(board.view('access').getByRole('button')).toHaveCount(0);
      const refused = await page.request.get(new URL('/api/query/auth.kioskLinks?params={}', url).href);
      expect(refused.status()).toBe(403);
      expect(await refused.json()).toEqual({ error: 'auth.kioskLinks needs the admin role; Olu Bello is an operator' });
      await board.signOut();
    });

    let kioskUrl = '';
    await test.step('an admin makes a kiosk link from the Access screen; its URL is shown once', async () => {
      await board.signIn(url, 'ana', 'admin pass');
      await board.openView(url, 'checks');
      await page.getByTestId('nav-access').click();
      await expect(page.locator('.app')).toHaveAttribute('data-view', 'access');
      const links = page.getByTestId('kiosk-links');
      const form = page.getByTestId('create-kiosk-link');
      await form.getByLabel('Wall name').fill('lobby wall');
      await form.getByRole('button', { name: 'Create kiosk link' }).click();
      const secret = page.getByTestId('created-secret-value');
      await expect(secret).toHaveText(new RegExp(`^${url}auth/kiosk/\\S{20,}$`));
      kioskUrl = (await secret.textContent()) ?? '';
      await expect(links.locator('tbody tr')).toHaveCount(1);
      await expect(links.locator('tbody tr')).toHaveAttribute('data-state', 'live');
      await expect(links.locator('tbody tr')).toContainText('lobby wall');
      await expect(links.locator('tbody tr')).toContainText('by Ana Lima (user:ana)');
      // The list never holds the secret, only the moment of making it does.
      expect(await links.locator('table').textContent()).not.toContain(kioskUrl.split('/').pop()!);
      await expect(page.getByTestId('agent-tokens')).toBeVisible();
      await screenshotBoth(page, 'access');
      expect(await seriousViolations(page)).toEqual([]);
    });

    await test.step('an API token made on the screen acts with its role until revoked there', async () => {
      const form = page.getByTestId('create-api-token');
      await form.getByLabel('Token name').fill('ci deploys');
      await form.getByLabel('Role').selectOption('operator');
      await form.getByRole('button', { name: 'Create token' }).click();
      const secret = page.getByTestId('created-secret-value');
      await expect(secret).toHaveText(/^kno_\S{20,}$/);
      const bearer = { authorization: `Bearer ${await secret.textContent()}` };
      const incidents = new URL('/api/query/incidents.list?params={"since":0,"limit":1}', url).href;
      // A fresh request context: no session cookie, the token alone.
      const script = await playwrightRequest.newContext();
      expect((await script.get(incidents, { headers: bearer })).status()).toBe(200);
      const row = page.getByTestId('api-tokens').locator('tbody tr');
      await expect(row).toContainText('ci deploys');
      await expect(row).toContainText('operator');
      await row.getByRole('button', { name: 'Revoke…' }).click();
      await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Revoke' }).click();
      await expect(row).toHaveAttribute('data-state', 'revoked');
      expect((await script.get(incidents, { headers: bearer })).status()).toBe(401);
      await script.dispose();
    });

    const wall = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    try {
      const kiosk = await wall.newPage();
      const kioskBoard = new Board(kiosk);
      await test.step('a fresh browser opens the link: the board, as a viewer, with nothing to press', async () => {
        await kiosk.goto(kioskUrl);
        await expect(kiosk.getByTestId('who-am-i')).toHaveText(/kiosk lobby wall · viewer/);
        await expect(kiosk.locator('[data-wall="true"]')).toBeVisible();
        await expect(kioskBoard.connection()).toHaveAttribute('data-state', 'live');
        await kioskBoard.openView(url, 'overview');
        await expect(kiosk.getByTestId('failover-hk-to-sg')).toBeVisible();
        await expect(kiosk.getByTestId('failover-hk-to-sg').getByRole('button')).toHaveCount(0);
        await expect(kiosk.getByTestId('nav-access')).toHaveCount(0);
        // The admin, on the same view, has the buttons the wall lacks: the check above could fail.
        await board.openView(url, 'overview');
        await expect(page.getByTestId('failover-hk-to-sg').getByRole('button')).not.toHaveCount(0);
      });

      await test.step('the admin revokes it: the open wall is signed out at once, the link no longer opens', async () => {
        await board.openView(url, 'access');
        const row = page.getByTestId('kiosk-links').locator('tbody tr');
        await row.getByRole('button', { name: 'Revoke…' }).click();
        const dialog = page.getByTestId('confirm-dialog');
        await expect(dialog).toContainText('Revoke kiosk link “lobby wall”?');
        await dialog.getByRole('button', { name: 'Revoke' }).click();
        await expect(dialog).toBeHidden();
        await expect(row).toHaveAttribute('data-state', 'revoked');
        await expect(row.getByRole('button')).toHaveCount(0);
        // No reload: the server ends the wall's event stream, and the wall finds it is nobody.
        await expect(kiosk.getByTestId('sign-in')).toBeVisible();
        await expect(kioskBoard.connection()).toHaveCount(0);
        const again = await wall.request.get(kioskUrl, { maxRedirects: 0 });
        expect(again.status()).toBe(404);
        expect((await wall.request.get(new URL('/api/snapshot', url).href)).status()).toBe(401);
      });
    } finally {
      await wall.close();
    }
  });
});
