import { expect, type Page } from '@playwright/test';

/**
 * Pairs of map labels and markers whose drawn boxes (measured in the page) overlap: London's
 * label over Frankfurt's, London's cluster marker under Frankfurt's, or a probe agent's diamond
 * or name over a region's.
 */
function overlappingLabels(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const parts = '.region-label, .region-state, .item-label, .cluster-ring, .vantage-label, .vantage-marker > path';
    const boxes = [...document.querySelectorAll(parts.split(', ').map((p) => '.map-canvas ' + p).join(', '))]
      .map((e) => ({ text: e.textContent || 'marker of ' + e.closest('g').dataset.testid, group: e.closest('g'), r: e.getBoundingClientRect() }));
    const hits = [];
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].r, b = boxes[j].r;
        if (boxes[i].group === boxes[j].group) continue; // a region's name and its state line are one label
        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
          hits.push(boxes[i].text + ' / ' + boxes[j].text);
      }
    return hits;
  })()`);
}

/** No map label or marker over another at 1080p and 4K (the viewport is left at 1080p). */
export async function expectNoMapOverlaps(page: Page): Promise<void> {
  for (const size of [
    { width: 1920, height: 1080 },
    { width: 3840, height: 2160 },
  ]) {
    await page.setViewportSize(size);
    await expect
      .poll(() => overlappingLabels(page), { message: `map labels or markers overlap at ${size.width}` })
      .toEqual([]);
  }
  await page.setViewportSize({ width: 1920, height: 1080 });
}
