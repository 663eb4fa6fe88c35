import { useEffect, useState } from 'react';
import { exitWallUrl, type Route } from '../route.ts';

/** How long the exit hint stays after the mouse last moved. */
const HINT_MS = 4_000;

/** Leaves wall mode without a reload: the route hook listens to popstate. */
export function leaveWall(route: Route): void {
  history.pushState(null, '', exitWallUrl(route, window.location.pathname, window.location.search));
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/**
 * Wall mode's way out, for an engineer who opened it on a desktop: Esc leaves, and moving the
 * mouse shows a hint with a button. Nobody touches a real wall, so the hint stays hidden there.
 */
export function WallExit({ route }: { route: Route }) {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onMove = () => {
      setShown(true);
      clearTimeout(timer);
      timer = setTimeout(() => setShown(false), HINT_MS);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || document.querySelector('dialog[open]')) return;
      event.preventDefault();
      leaveWall(route);
    };
    window.addEventListener('mousemove', onMove);
    window.addEventListener('keydown', onKey);
    return () => {
      clearTimeout(timer);
      window.removeEventListener('mousemove', onMove);
      window.removeEventListener('keydown', onKey);
    };
  }, [route]);
  if (!shown) return null;
  return (
    <div className="wall-exit" role="status" data-testid="wall-exit">
      Wall mode · <kbd>Esc</kbd> to leave
      <button type="button" onClick={() => leaveWall(route)}>
        Leave wall mode
      </button>
    </div>
  );
}
