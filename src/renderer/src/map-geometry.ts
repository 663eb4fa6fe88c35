import { geoMercator, geoPath, type GeoProjection } from 'd3-geo';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import world from 'world-atlas/countries-110m.json';
import type { RegionView } from '../../shared/model.ts';

/**
 * The offline map: Natural Earth 1:110m countries from world-atlas, bundled by Vite (no tiles,
 * no network). Computed once; projections are fitted per view size.
 */
const topology = world as unknown as Topology<{ countries: GeometryCollection }>;
const countries = feature(topology, topology.objects.countries);

/** Degrees of context around the configured regions, so a single region is not a blur of blue. */
const MIN_SPAN_LON = 24;
const MIN_SPAN_LAT = 16;
const MARGIN = 0.35;

/** A Mercator projection fitted to the regions' bounding box plus a margin, within the box given. */
export function fitProjection(regions: RegionView[], width: number, height: number, pad: number): GeoProjection {
  const lons = regions.map((r) => r.lon);
  const lats = regions.map((r) => r.lat);
  let [west, east] = lons.length ? [Math.min(...lons), Math.max(...lons)] : [-150, 170];
  let [south, north] = lats.length ? [Math.min(...lats), Math.max(...lats)] : [-50, 70];
  const spanLon = Math.max(east - west, MIN_SPAN_LON);
  const spanLat = Math.max(north - south, MIN_SPAN_LAT);
  const midLon = (west + east) / 2;
  const midLat = (south + north) / 2;
  west = midLon - (spanLon / 2) * (1 + 2 * MARGIN);
  east = midLon + (spanLon / 2) * (1 + 2 * MARGIN);
  south = Math.max(-80, midLat - (spanLat / 2) * (1 + 2 * MARGIN));
  north = Math.min(84, midLat + (spanLat / 2) * (1 + 2 * MARGIN));
  const box = {
    type: 'MultiPoint' as const,
    coordinates: [
      [west, south],
      [east, south],
      [east, north],
      [west, north],
      [midLon, south],
      [midLon, north],
    ],
  };
  return geoMercator()
    .rotate([-midLon, 0])
    .fitExtent(
      [
        [pad, pad],
        [Math.max(pad + 1, width - pad), Math.max(pad + 1, height - pad)],
      ],
      box,
    );
}

export function countryPaths(projection: GeoProjection): { id: string; d: string }[] {
  const path = geoPath(projection);
  return countries.features.map((f, i) => ({ id: String(f.id ?? i), d: path(f) ?? '' })).filter((p) => p.d !== '');
}

/** A gentle curve from a to b (bending left of the direction of travel), so opposite links do not overlap. */
export function curve(a: { x: number; y: number }, b: { x: number; y: number }, bend = 0.18): string {
  const mx = (a.x + b.x) / 2;
  const my = (a.y + b.y) / 2;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const cx = mx - dy * bend;
  const cy = my + dx * bend;
  return `M${a.x.toFixed(1)},${a.y.toFixed(1)} Q${cx.toFixed(1)},${cy.toFixed(1)} ${b.x.toFixed(1)},${b.y.toFixed(1)}`;
}

/** The point halfway along `curve(a, b, bend)`: where a link's label sits. */
export function curveMidpoint(
  a: { x: number; y: number },
  b: { x: number; y: number },
  bend = 0.18,
): { x: number; y: number } {
  return { x: (a.x + b.x) / 2 - ((b.y - a.y) * bend) / 2, y: (a.y + b.y) / 2 + ((b.x - a.x) * bend) / 2 };
}
