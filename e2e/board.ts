import { expect, type Locator, type Page } from '@playwright/test';
import type { Status } from '../src/shared/model.ts';

export type ViewName =
  'checks' | 'overview' | 'wall' | 'map' | 'latency' | 'incidents' | 'vantages' | 'check' | 'access' | 'config';

/** The board as a user sees it. Tests talk to this, not to selectors. */
export class Board {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  async open(url: string, hash = ''): Promise<void> {
    await this.page.goto(url + hash);
    await expect(this.connection()).toHaveAttribute('data-state', 'live');
  }

  /** Signs in through the board's own form (a board with `auth:`), and waits until it says who. */
  async signIn(url: string, user: string, password: string): Promise<void> {
    await this.page.goto(url);
    const form = this.page.getByTestId('sign-in');
    await expect(form).toBeVisible();
    await form.getByLabel('User').fill(user);
    await form.getByLabel('Password').fill(password);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await expect(this.page.getByTestId('who-am-i')).toBeVisible();
  }

  /**
   * Signs out with the board's button; resolves once the page has reloaded (as signing out does)
   * and the sign-in form is back, so a navigation after it is not aborted by that reload.
   */
  async signOut(): Promise<void> {
    const reloaded = this.page.waitForEvent('load');
    await this.page.getByTestId('who-am-i').getByRole('button', { name: 'Sign out' }).click();
    await reloaded;
    await expect(this.page.getByTestId('sign-in')).toBeVisible();
  }

  /** Opens a view by its hash route, as a kiosk would be pointed at it. */
  async openView(url: string, view: string, query = ''): Promise<void> {
    await this.open(`${url}${query ? `?${query}` : ''}`, `#/${view}`);
    await expect(this.app()).toHaveAttribute('data-view', view.split(/[/?]/)[0]!);
  }

  app(): Locator {
    return this.page.locator('.app');
  }

  view(name: ViewName): Locator {
    return this.page.getByTestId(`view-${name}`);
  }

  check(id: string): Locator {
    return this.page.getByTestId(`check-${id}`);
  }

  connection(): Locator {
    return this.page.getByTestId('connection');
  }

  configError(): Locator {
    return this.page.getByTestId('config-error');
  }

  regionCard(id: string): Locator {
    return this.page.getByTestId(`region-card-${id}`);
  }

  mapRegion(id: string): Locator {
    return this.page.getByTestId(`map-region-${id}`);
  }

  mapItem(id: string): Locator {
    return this.page.getByTestId(`map-item-${id}`);
  }

  /** An incident's timeline (incidents view) or summary (overview), whatever its id. */
  timelines(): Locator {
    return this.page.locator('[data-testid^="timeline-"]');
  }

  openIncidents(): Locator {
    return this.page.locator('[data-testid^="incident-"][data-state="open"]');
  }

  async waitForStatus(id: string, status: Status, timeout = 20_000): Promise<void> {
    await expect(this.check(id)).toHaveAttribute('data-status', status, { timeout });
  }

  async waitForRegionStatus(id: string, status: Status, timeout = 20_000): Promise<void> {
    await expect(this.regionCard(id)).toHaveAttribute('data-status', status, { timeout });
  }

  async waitForMapStatus(id: string, status: Status, timeout = 20_000): Promise<void> {
    await expect(this.mapRegion(id)).toHaveAttribute('data-status', status, { timeout });
  }

  async waitForView(view: ViewName, timeout = 20_000): Promise<void> {
    await expect(this.app()).toHaveAttribute('data-view', view, { timeout });
  }

  async waitForConnection(state: 'live' | 'lost' | 'connecting', timeout = 20_000): Promise<void> {
    await expect(this.connection()).toHaveAttribute('data-state', state, { timeout });
  }

  async screenshot(name: string): Promise<string> {
    const path = `test-results/screenshots/${name}.png`;
    await this.page.screenshot({ path, fullPage: false });
    return path;
  }
}
