import { expect, type Locator, type Page } from '@playwright/test';
import type { Status } from '../src/shared/model.ts';

/** The board as a user sees it. Tests talk to this, not to selectors. */
export class Board {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await expect(this.connection()).toHaveAttribute('data-state', 'live');
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

  async waitForStatus(id: string, status: Status, timeout = 20_000): Promise<void> {
    await expect(this.check(id)).toHaveAttribute('data-status', status, { timeout });
  }

  async screenshot(name: string): Promise<string> {
    const path = `test-results/screenshots/${name}.png`;
    await this.page.screenshot({ path, fullPage: false });
    return path;
  }
}
