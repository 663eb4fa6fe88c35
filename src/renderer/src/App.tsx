import { Suspense, useDeferredValue, useEffect, useLayoutEffect, useMemo } from 'react';
import { ConfigBanner } from './components/ConfigBanner.tsx';
import { ConfirmDialog } from './components/ConfirmDialog.tsx';
import { Header } from './components/Header.tsx';
import { Nav } from './components/Nav.tsx';
import { Notifier } from './components/Notifier.tsx';
import { SignIn, WhoAmI } from './components/SignIn.tsx';
import { useIdentity } from './identity.ts';
import { VantageBanner } from './components/VantageBanner.tsx';
import { WallExit } from './components/WallExit.tsx';
import { usePixelShift, useRotation, useWakeLock } from './hooks/use-wall.ts';
import { NAV_VIEWS, navigate, useRoute, wallOptions, type Route, type ViewName } from './route.ts';
import { useBoard } from './store.ts';
import { lazyView, ViewLoadBoundary } from './lazy-view.tsx';
import { StatusGrid } from './views/StatusGrid.tsx';
import { WallOverview } from './views/WallOverview.tsx';

// The grid and the overview are in the first chunk (a board opens on them); every other view is
// its own chunk, evaluated when first shown or prefetched when the browser is idle after start-up.
const LAZY = {
  latency: lazyView(() => import('./views/LatencyView.tsx').then((m) => m.LatencyView)),
  check: lazyView(() => import('./views/CheckDetail.tsx').then((m) => m.CheckDetail)),
  component: lazyView(() => import('./views/ComponentView.tsx').then((m) => m.ComponentDetail)),
  incidents: lazyView(() => import('./views/IncidentsView.tsx').then((m) => m.IncidentsView)),
  map: lazyView(() => import('./views/RegionMap.tsx').then((m) => m.RegionMap)),
  vantages: lazyView(() => import('./views/VantagesView.tsx').then((m) => m.VantagesView)),
  access: lazyView(() => import('./views/AccessView.tsx').then((m) => m.AccessView)),
  config: lazyView(() => import('./views/ConfigView.tsx').then((m) => m.ConfigView)),
};
const LatencyView = LAZY.latency.View;
const CheckDetail = LAZY.check.View;
const ComponentDetail = LAZY.component.View;
const IncidentsView = LAZY.incidents.View;
const RegionMap = LAZY.map.View;
const VantagesView = LAZY.vantages.View;
const AccessView = LAZY.access.View;
const ConfigView = LAZY.config.View;

/**
 * Loads every lazy view's code, one after another (the latency view, with the charts, first),
 * waiting for `between` before each: one chunk per idle period, so a chart's data arriving
 * meanwhile waits for one chunk's evaluation at most.
 */
export async function prefetchViews(between: () => Promise<void>): Promise<void> {
  for (const view of Object.values(LAZY)) {
    await between();
    await view.prefetch().catch(() => undefined);
  }
}

export function App() {
  const route = useRoute();
  const wall = useMemo(() => wallOptions(route), [route]);
  const view = useRotation(wall, route.view);
  // The board's first render (every tile of the view, its layout) is a background render that
  // React time-slices and yields from, not one task with the snapshot's apply: the header's
  // counts come with the snapshot, the view a moment after, in slices of a few milliseconds.
  const hasBoard = useDeferredValue(
    useBoard((s) => s.board !== null),
    false,
  );
  const config = useBoard((s) => s.board?.config);
  const connection = useBoard((s) => s.connection);
  const signedOut = useIdentity((s) => s.identity.mode === 'signed-out');
  const [dx, dy] = usePixelShift(wall.wall);
  useWakeLock(wall.wall);

  useEffect(() => {
    document.documentElement.classList.toggle('is-wall', wall.wall);
  }, [wall.wall]);
  useEffect(() => {
    const unsubscribe = window.knockon?.onOpenIncident((id) => navigate('incidents', id));
    return unsubscribe;
  }, []);
  useEffect(() => (wall.wall ? undefined : keyboardShortcuts()), [wall.wall]);
  // Another view opens at its top, not at the scroll depth of the last one (a view that
  // focuses something, an incident, scrolls to it in its own effect, which runs after this).
  const routeId = route.id;
  useLayoutEffect(() => {
    window.scrollTo(0, 0);
  }, [view, routeId]);

  // Nothing of the board before sign-in: no counts, no connection state, nothing to alarm on.
  if (signedOut) {
    return (
      <div className="app" data-view="sign-in">
        <main className="view" id="main">
          <SignIn />
        </main>
      </div>
    );
  }
  return (
    <div
      className={`app${wall.wall ? ' is-wall' : ''}`}
      data-connection={connection}
      data-view={view}
      data-wall={wall.wall ? 'true' : 'false'}
      data-rotating={wall.dwellMs !== null ? 'true' : 'false'}
      style={wall.wall ? { transform: `translate(${dx}px, ${dy}px)` } : undefined}
    >
      <Header />
      <WhoAmI />
      {!wall.wall && <Nav current={view} />}
      <VantageBanner />
      {config && <ConfigBanner config={config} />}
      <main className="view" id="main">
        {hasBoard ? (
          <ViewLoadBoundary resetKey={view}>
            <Suspense fallback={<p className="empty">Loading…</p>}>
              <View view={view} route={route} wall={wall.wall} />
            </Suspense>
          </ViewLoadBoundary>
        ) : (
          <p className="empty">Waiting for the engine…</p>
        )}
      </main>
      {wall.dwellMs !== null && <RotationDots views={wall.views} current={view} dwellMs={wall.dwellMs} />}
      {wall.wall && <WallExit route={route} />}
      <Notifier wall={wall.wall} />
      <ConfirmDialog />
    </div>
  );
}

function View({ view, route, wall }: { view: ViewName; route: Route; wall: boolean }) {
  const id = view === route.view ? route.id : null;
  switch (view) {
    case 'wall':
    case 'overview':
      return <WallOverview wall={wall} />;
    case 'map':
      return <RegionMap />;
    case 'latency':
      return <LatencyView wall={wall} focus={id} params={route.params} />;
    case 'incidents':
      return <IncidentsView wall={wall} focus={id} />;
    case 'vantages':
      return <VantagesView />;
    case 'access':
      return <AccessView />;
    case 'config':
      return <ConfigView />;
    case 'check':
      return id ? <CheckDetail id={id} params={route.params} /> : <Grid wall={wall} params={route.params} />;
    case 'component':
      return id ? <ComponentDetail id={id} wall={wall} /> : <WallOverview wall={wall} />;
    case 'checks':
      return <Grid wall={wall} params={route.params} />;
  }
}

/** A link to another filter remounts the grid with it; the grid's own edits only replace the URL. */
function Grid({ wall, params }: { wall: boolean; params: URLSearchParams }) {
  return <StatusGrid key={`${params.get('filter')}|${params.get('q')}`} wall={wall} params={params} />;
}

/** Which view the wall shows, and that it will move on: people across the room see it rotate. */
function RotationDots({ views, current, dwellMs }: { views: ViewName[]; current: ViewName; dwellMs: number }) {
  return (
    <div className="rotation" aria-hidden="true" data-testid="rotation">
      {views.map((v) => (
        <span key={v} className={v === current ? 'is-current' : undefined}>
          {NAV_VIEWS.find((n) => n.view === v)?.label ?? v}
        </span>
      ))}
      <span className="muted">every {Math.round(dwellMs / 1000)}s</span>
    </div>
  );
}

/** Engineer-mode keys: 1–6 switch views, / searches checks. Ignored while typing. */
function keyboardShortcuts(): () => void {
  const onKey = (event: KeyboardEvent) => {
    const target = event.target as HTMLElement | null;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (document.querySelector('dialog[open]')) return;
    const item = NAV_VIEWS.find((n) => n.key === event.key);
    if (item) {
      navigate(item.view);
      event.preventDefault();
    } else if (event.key === '/') {
      if (!document.getElementById('check-search')) navigate('checks');
      requestAnimationFrame(() => document.getElementById('check-search')?.focus());
      event.preventDefault();
    }
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}
