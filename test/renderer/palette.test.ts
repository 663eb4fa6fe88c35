import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contrast, simulate, type Vision } from '../support/colour-vision.ts';

const css = readFileSync(new URL('../../src/renderer/src/styles.css', import.meta.url), 'utf8');

/** A custom property's value as the first rule that sets it writes it (the board's :root). */
function colour(name: string, from = css): string {
  const match = new RegExp(`--${name}:\\s*(#[0-9a-fA-F]{6})`).exec(from);
  if (!match) throw new Error(`--${name} is not a #rrggbb colour in styles.css`);
  return match[1]!;
}

const wallCss = css.slice(css.indexOf('html.is-wall {'));
const BACKGROUNDS = { desk: colour('bg'), wall: colour('bg', wallCss) };
const VISIONS: Vision[] = ['normal', 'deuteranopia', 'protanopia', 'tritanopia'];

describe('status palette under colour-vision deficiencies', () => {
  for (const vision of VISIONS) {
    for (const [where, bg] of Object.entries(BACKGROUNDS)) {
      it(`keeps DOWN louder than DEGRADED louder than UP, all readable, for ${vision} on the ${where}`, () => {
        const loudness = (name: string) => contrast(simulate(colour(name), vision), simulate(bg, vision));
        const [down, degraded, up] = [loudness('down'), loudness('degraded'), loudness('up')];
        // Clear steps, not rounding noise: an olive DOWN next to a bright DEGRADED fails here.
        expect(down / degraded).toBeGreaterThan(1.15);
        expect(degraded / up).toBeGreaterThan(1.15);
        // WCAG AA for text, so every status word stays readable.
        expect(Math.min(down, degraded, up)).toBeGreaterThanOrEqual(4.5);
      });
    }
  }

  it('fails the old palette, whose DOWN turned dim olive next to a bright yellow DEGRADED', () => {
    const old = { down: '#ff6b3d', degraded: '#f0b429' };
    const bg = simulate(BACKGROUNDS.wall, 'deuteranopia');
    expect(contrast(simulate(old.down, 'deuteranopia'), bg)).toBeLessThan(
      contrast(simulate(old.degraded, 'deuteranopia'), bg),
    );
  });
});
