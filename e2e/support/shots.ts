import type { Page } from '@playwright/test';

export const VIEWPORTS = [
  { name: '1080p', width: 1920, height: 1080 },
  { name: '4k', width: 3840, height: 2160 },
] as const;

/**
 * Saves the current view at 1920x1080 and 3840x2160 under test-results/screenshots/, waiting
 * for layout to settle at each size (charts and the map re-measure on resize).
 */
export async function screenshotBoth(page: Page, name: string): Promise<void> {
  const original = page.viewportSize();
  for (const v of VIEWPORTS) {
    await page.setViewportSize({ width: v.width, height: v.height });
    // Two frames: one for the resize observers to re-measure, one for the re-render to paint.
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    await page.screenshot({ path: `test-results/screenshots/${name}-${v.name}.png` });
  }
  if (original) await page.setViewportSize(original);
}
