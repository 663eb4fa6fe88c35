import { useMemo, useSyncExternalStore } from 'react';
import { href, parseRoute, type Route, type ViewName } from './route-parse.ts';

export * from './route-parse.ts';

export function navigate(view: ViewName, id?: string | null, params?: Record<string, string>): void {
  window.location.hash = href(view, id, params);
}

const subscribe = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  window.addEventListener('popstate', onChange);
  return () => {
    window.removeEventListener('hashchange', onChange);
    window.removeEventListener('popstate', onChange);
  };
};
const snapshot = () => window.location.hash + '|' + window.location.search;

/** The current route; re-renders on hash changes only. */
export function useRoute(): Route {
  const key = useSyncExternalStore(subscribe, snapshot);
  return useMemo(() => {
    const [hash = '', search = ''] = key.split('|');
    return parseRoute(hash, search);
  }, [key]);
}
