/**
 * Label placement for the map: each label tries a few spots around its marker, in a fixed order,
 * and takes the first that overlaps neither a marker nor a label placed before it. Greedy and
 * deterministic (the same inputs give the same layout on every load); the most urgent labels are
 * placed first, so they get the best spots. When nothing is free, the spot least overlapped wins.
 */
export interface LabelRequest {
  id: string;
  /** The marker's centre and radius: the label never covers it. */
  x: number;
  y: number;
  r: number;
  width: number;
  height: number;
  /** Lower is placed first. */
  priority: number;
}

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Where a label goes: the centre of its box. */
export interface Placed {
  id: string;
  cx: number;
  cy: number;
  box: Box;
}

/** Above first (a map reads top-down), then below, the sides, the diagonals, then a label's height further out. */
const SPOTS: [number, number][] = [
  [0, -1],
  [0, 1],
  [1, 0],
  [-1, 0],
  [1, -1],
  [-1, -1],
  [1, 1],
  [-1, 1],
  [0, -2],
  [0, 2],
  [2, 0],
  [-2, 0],
];

const GAP = 4;

function overlap(a: Box, b: Box): number {
  const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
  const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * The area of `box` outside `bounds`, exactly 0 for a box inside them (its area less its overlap
 * is not: a rounding error made spots wholly inside the map cost more than a far one).
 */
function outside(box: Box, bounds: Box): number {
  const w = box.right - box.left;
  const h = box.bottom - box.top;
  const ox = Math.min(w, Math.max(0, bounds.left - box.left) + Math.max(0, box.right - bounds.right));
  const oy = Math.min(h, Math.max(0, bounds.top - box.top) + Math.max(0, box.bottom - bounds.bottom));
  return ox * h + oy * w - ox * oy;
}

function boxAt(cx: number, cy: number, w: number, h: number): Box {
  return { left: cx - w / 2, top: cy - h / 2, right: cx + w / 2, bottom: cy + h / 2 };
}

/**
 * `obstacles`: what else is drawn and must not be covered (a region's component markers and
 * their names), counted like the markers.
 */
export function placeLabels(requests: readonly LabelRequest[], bounds?: Box, obstacles: readonly Box[] = []): Placed[] {
  const markers = [...requests.map((r) => boxAt(r.x, r.y, 2 * r.r, 2 * r.r)), ...obstacles];
  const placed: Placed[] = [];
  const order = [...requests].sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id));
  for (const req of order) {
    let best: Placed | null = null;
    let bestCost = Infinity;
    for (const [sx, sy] of SPOTS) {
      // Far enough from the marker's centre that the box clears the marker, plus a gap; the
      // outer ring one label's height further (not a label's width: a wide label two widths
      // off its marker sat beside another one and read as that one's).
      const dx = sx === 0 ? 0 : Math.sign(sx) * (req.r + req.width / 2 + GAP + (Math.abs(sx) - 1) * req.height);
      const dy = sy === 0 ? 0 : Math.sign(sy) * (req.r + req.height / 2 + GAP + (Math.abs(sy) - 1) * req.height);
      const cx = req.x + dx;
      const cy = req.y + dy;
      const box = boxAt(cx, cy, req.width, req.height);
      let cost = 0;
      for (const m of markers) cost += overlap(box, m);
      for (const p of placed) cost += overlap(box, p.box);
      if (bounds) cost += outside(box, bounds);
      if (cost < bestCost) {
        best = { id: req.id, cx, cy, box };
        bestCost = cost;
        if (cost === 0) break;
      }
    }
    placed.push(best!);
  }
  return placed;
}

/** A marker at its true place, and where it is drawn when neighbours would cover it. */
export interface Spread {
  id: string;
  x: number;
  y: number;
  /** True when drawn away from its place (the map then draws a leader line back to it). */
  moved: boolean;
}

/**
 * Pushes markers apart until no two centres are closer than `minDistance` (London and Frankfurt
 * on a world map are a few pixels apart, and the outage's square was half under the neighbour's
 * triangle). Each overlapping pair moves apart equally along the line between them (by id order
 * when they coincide), for a bounded number of rounds: deterministic, so markers do not move
 * between loads, and markers far from each other never move at all. A point's `r` keeps the
 * pair at least the sum of their `r` apart when that is more. A marker in `fixed` stays
 * where it is and the other of its pair moves the whole way (a probe agent's marker moves off the
 * region it shares a city with; the region stays).
 */
export function spreadMarkers(
  points: readonly { id: string; x: number; y: number; r?: number }[],
  minDistance: number,
  rounds = 40,
  fixed: ReadonlySet<string> = new Set(),
): Spread[] {
  const order = [...points].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const at = order.map((p) => ({ x: p.x, y: p.y }));
  for (let round = 0; round < rounds; round++) {
    let moved = false;
    for (let i = 0; i < at.length; i++) {
      for (let j = i + 1; j < at.length; j++) {
        const a = at[i]!;
        const b = at[j]!;
        const aFixed = fixed.has(order[i]!.id);
        const bFixed = fixed.has(order[j]!.id);
        if (aFixed && bFixed) continue;
        // Markers with a reach of their own (a region with its ring of components) keep that far.
        const min = Math.max(minDistance, (order[i]!.r ?? 0) + (order[j]!.r ?? 0));
        let dx = b.x - a.x;
        let dy = b.y - a.y;
        let d = Math.hypot(dx, dy);
        if (d >= min - 0.01) continue;
        if (d < 1e-6) {
          // Same place: apart along a direction fixed by the pair's position in id order.
          const angle = ((i * 7 + j * 3) % 12) * (Math.PI / 6);
          [dx, dy, d] = [Math.cos(angle), Math.sin(angle), 1];
        }
        const push = (min - d) / (aFixed || bFixed ? 1 : 2) + 0.01;
        if (!aFixed) {
          a.x -= (dx / d) * push;
          a.y -= (dy / d) * push;
        }
        if (!bFixed) {
          b.x += (dx / d) * push;
          b.y += (dy / d) * push;
        }
        moved = true;
      }
    }
    if (!moved) break;
  }
  return order.map((p, i) => ({
    id: p.id,
    x: at[i]!.x,
    y: at[i]!.y,
    moved: Math.hypot(at[i]!.x - p.x, at[i]!.y - p.y) > 0.5,
  }));
}
