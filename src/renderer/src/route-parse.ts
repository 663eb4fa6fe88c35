/** Hash routes and wall options, as pure functions (tested without a DOM). */
/** The board's views, addressable by hash so a kiosk can be pointed at one. */
/**
 * `overview` is the regions-and-incidents view for engineers (navigation, actions); `wall` is the
 * same view as the wall shows it (no navigation, big type), kept for kiosks pointed at #/wall.
 */
/**
 * `access` is the tokens and kiosk links screen (admins); `config` is the config editor (admins),
 * reached from the config file's name in the navigation.
 */
export type ViewName =
  | 'checks'
  | 'overview'
  | 'wall'
  | 'map'
  | 'latency'
  | 'incidents'
  | 'vantages'
  | 'check'
  | 'component'
  | 'access'
  | 'config';

export const NAV_VIEWS: { view: ViewName; label: string; key: string }[] = [
  { view: 'checks', label: 'Checks', key: '1' },
  { view: 'overview', label: 'Overview', key: '2' },
  { view: 'map', label: 'Map', key: '3' },
  { view: 'latency', label: 'Latency', key: '4' },
  { view: 'incidents', label: 'Incidents', key: '5' },
  { view: 'vantages', label: 'Vantages', key: '6' },
];

export interface Route {
  view: ViewName;
  /** The check, component or incident the route points at (#/check/<id>, #/component/<id>, #/incidents/<id>, #/latency/<id>). */
  id: string | null;
  /** Query parameters of the page and of the hash merged; the hash wins. */
  params: URLSearchParams;
}

export interface WallOptions {
  /** Full-screen wall presentation: dark high-contrast theme, no navigation, big type. */
  wall: boolean;
  /** Dwell per view in ms when rotating; null when the view is pinned. */
  dwellMs: number | null;
  /** The views the wall rotates through, in order. */
  views: ViewName[];
}

const KNOWN: ReadonlySet<string> = new Set<ViewName>([
  'checks',
  'overview',
  'wall',
  'map',
  'latency',
  'incidents',
  'vantages',
  'check',
  'component',
  'access',
  'config',
]);
export const DEFAULT_DWELL_MS = 20_000;
const DEFAULT_ROTATION: ViewName[] = ['wall', 'map', 'latency', 'incidents'];

export function parseRoute(hash: string, search: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?', 2);
  const parts = path.split('/').filter(Boolean).map(safeDecode);
  const params = new URLSearchParams(search);
  for (const [k, v] of new URLSearchParams(query)) params.set(k, v);
  const head = parts[0] ?? 'checks';
  const view = (KNOWN.has(head) ? head : 'checks') as ViewName;
  return { view, id: parts[1] ?? null, params };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * `?wall=1` is the rotating wall; `#/wall` alone pins the overview in wall style, and a
 * `rotate` parameter (`rotate`, `rotate=1`, or `rotate=<seconds>`) makes any wall rotate.
 * `dwell=<seconds>` sets the dwell, `views=wall,map` the rotation.
 */
export function wallOptions(route: Route): WallOptions {
  const p = route.params;
  const wall = isOn(p.get('wall')) || route.view === 'wall';
  const rotateParam = p.get('rotate');
  const rotate = wall && (rotateParam !== null ? rotateParam !== '0' : isOn(p.get('wall')));
  let dwellMs = DEFAULT_DWELL_MS;
  const seconds = Number(p.get('dwell') ?? (rotateParam && rotateParam !== '1' ? rotateParam : NaN));
  if (Number.isFinite(seconds) && seconds >= 1) dwellMs = seconds * 1000;
  const views = (p.get('views') ?? '')
    .split(',')
    .filter((v): v is ViewName => KNOWN.has(v) && v !== 'check' && v !== 'config');
  return { wall, dwellMs: rotate ? dwellMs : null, views: views.length > 0 ? views : DEFAULT_ROTATION };
}

/** The parameters that make a page a wall; leaving wall mode drops them. */
export const WALL_PARAMS = ['wall', 'rotate', 'dwell', 'views'] as const;

/**
 * Where Esc takes an engineer from the wall: the same view without the wall's parameters, and
 * the overview (with navigation) in place of the pinned wall overview.
 */
export function exitWallUrl(route: Route, pathname: string, search: string): string {
  const page = new URLSearchParams(search);
  for (const k of WALL_PARAMS) page.delete(k);
  const params = Object.fromEntries(
    [...route.params].filter(([k]) => !(WALL_PARAMS as readonly string[]).includes(k) && !page.has(k)),
  );
  const view = route.view === 'wall' ? 'overview' : route.view;
  const query = page.toString();
  return `${pathname}${query ? `?${query}` : ''}${href(view, route.id, params)}`;
}

function isOn(value: string | null): boolean {
  return value !== null && value !== '0' && value !== 'false';
}

export function href(view: ViewName, id?: string | null, params?: Record<string, string>): string {
  const query = params ? new URLSearchParams(params).toString() : '';
  return `#/${view}${id ? `/${encodeURIComponent(id)}` : ''}${query ? `?${query}` : ''}`;
}
