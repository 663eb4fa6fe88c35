import { describe, expect, it } from 'vitest';
import { placeLabels, spreadMarkers, type Box, type LabelRequest } from '../../src/renderer/src/map-labels.ts';

const label = (id: string, x: number, y: number, priority = 0): LabelRequest => ({
  id,
  x,
  y,
  r: 10,
  width: 120,
  height: 30,
  priority,
});

const overlaps = (a: Box, b: Box) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

describe('map label placement', () => {
  it('puts a lone label above its marker, clear of it', () => {
    const [placed] = placeLabels([label('lon', 500, 300)]);
    expect(placed!.box.bottom).toBeLessThanOrEqual(290);
    expect(placed!.cx).toBe(500);
  });

  it('moves the second of two close regions (London and Frankfurt) so no labels overlap', () => {
    const placed = placeLabels([label('lon', 500, 300, 0), label('fra', 540, 310, 1), label('ams', 520, 280, 2)]);
    for (const a of placed) for (const b of placed) if (a !== b) expect(overlaps(a.box, b.box)).toBe(false);
    // The most urgent keeps the best spot: above its marker, where a lone label would go.
    expect(placeLabels([label('lon', 500, 300, 0), label('fra', 540, 310, 1)])[0]!.cy).toBeLessThan(300);
  });

  it('never covers a marker, and gives the same layout for the same input', () => {
    const input = [label('a', 100, 100), label('b', 100, 140), label('c', 140, 120)];
    const placed = placeLabels(input);
    for (const p of placed)
      for (const m of input)
        expect(overlaps(p.box, { left: m.x - 10, top: m.y - 10, right: m.x + 10, bottom: m.y + 10 })).toBe(false);
    expect(placeLabels(input)).toEqual(placed);
  });

  it('keeps a crowded label beside its own marker: at most a label height beyond the nearest spots', () => {
    // Every spot next to the marker is taken (an agent's label among a region's checks).
    const crowd = { left: 300, top: 262, right: 700, bottom: 338 };
    const [placed] = placeLabels(
      [{ id: 'fra', x: 500, y: 300, r: 10, width: 200, height: 20, priority: 0 }],
      undefined,
      [crowd],
    );
    const gapX = Math.max(0, placed!.box.left - 500, 500 - placed!.box.right);
    const gapY = Math.max(0, placed!.box.top - 300, 300 - placed!.box.bottom);
    expect(Math.max(gapX, gapY)).toBeLessThanOrEqual(10 + 4 + 20);
  });

  it('inside the map, a free spot above is taken whatever rounding the coordinates bring', () => {
    // Measured on the map (Tokyo's agent): with the map's bounds, a box wholly inside them once
    // came out "partly outside" by a rounding error, and the label went two spots away.
    const bounds = { left: 0, top: 0, right: 1509.6, bottom: 903.3 };
    for (const [x, y] of [
      [1116.37, 425.21],
      [612.9, 342.77],
      [1033.33, 563.1],
    ] as const) {
      const request = { id: 'tyo', x, y, r: 14.7, width: 58.59, height: 23.63, priority: 0 };
      const [placed] = placeLabels([request], bounds);
      expect(placed!.cx).toBe(x);
      expect(placed!.box.bottom).toBeCloseTo(y - 14.7 - 4, 6);
    }
  });
});

describe('spreading markers that would cover each other', () => {
  const apart = (s: { x: number; y: number }[], min: number) => {
    for (let i = 0; i < s.length; i++)
      for (let j = i + 1; j < s.length; j++)
        expect(Math.hypot(s[i]!.x - s[j]!.x, s[i]!.y - s[j]!.y)).toBeGreaterThanOrEqual(min - 0.05);
  };

  it('pushes London and Frankfurt apart and leaves a far marker where it is', () => {
    const spread = spreadMarkers(
      [
        { id: 'lon', x: 500, y: 300 },
        { id: 'fra', x: 512, y: 304 },
        { id: 'sin', x: 900, y: 600 },
      ],
      40,
    );
    apart(spread, 40);
    const by = new Map(spread.map((s) => [s.id, s]));
    expect(by.get('sin')).toEqual({ id: 'sin', x: 900, y: 600, moved: false });
    expect(by.get('lon')!.moved && by.get('fra')!.moved).toBe(true);
    // Apart along the line between them: Frankfurt stays east of London.
    expect(by.get('fra')!.x).toBeGreaterThan(by.get('lon')!.x);
  });

  it('separates markers at the same place and a tight group, the same way on every call', () => {
    const points = [
      { id: 'a', x: 100, y: 100 },
      { id: 'b', x: 100, y: 100 },
      { id: 'c', x: 105, y: 98 },
      { id: 'd', x: 98, y: 104 },
    ];
    const first = spreadMarkers(points, 30);
    apart(first, 30);
    expect(spreadMarkers([...points].reverse(), 30)).toEqual(first);
  });

  it('moves a probe agent off the region it shares a city with, never the region', () => {
    // Singapore's agent on Singapore's region, Tokyo's near Hong Kong's; two regions too close
    // to each other already (spread before, so they are fixed here and stay where they are).
    const spread = spreadMarkers(
      [
        { id: 'sgp', x: 700, y: 500 },
        { id: 'hk', x: 720, y: 430 },
        { id: 'vantage:sg', x: 700, y: 500 },
        { id: 'vantage:tyo', x: 735, y: 420 },
      ],
      40,
      40,
      new Set(['sgp', 'hk']),
    );
    const by = new Map(spread.map((s) => [s.id, s]));
    expect(by.get('sgp')).toEqual({ id: 'sgp', x: 700, y: 500, moved: false });
    expect(by.get('hk')).toEqual({ id: 'hk', x: 720, y: 430, moved: false });
    expect(by.get('vantage:sg')!.moved && by.get('vantage:tyo')!.moved).toBe(true);
    apart([by.get('sgp')!, by.get('vantage:sg')!, by.get('vantage:tyo')!], 40);
    apart([by.get('hk')!, by.get('vantage:sg')!, by.get('vantage:tyo')!], 40);
  });
});
