import { Component, lazy, type ComponentType, type ReactNode } from 'react';

export interface LazyView<P> {
  View: ComponentType<P>;
  /** Loads the view's code (once); the board calls it in idle time after start-up. */
  prefetch: () => Promise<unknown>;
}

/**
 * A view whose code is its own chunk, loaded when first shown or prefetched: the first paint
 * does not evaluate charts, the map or the config editor. Once loaded it renders directly, so a
 * prefetched view never shows the Suspense fallback. A failed load is tried again the next time
 * the view is shown (`ViewLoadBoundary` says so meanwhile).
 */
export function lazyView<P extends object>(load: () => Promise<ComponentType<P>>): LazyView<P> {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<{ default: ComponentType<P> }> | null = null;
  const prefetch = () =>
    (pending ??= load().then(
      (component) => {
        loaded = component;
        return { default: component };
      },
      (error: unknown) => {
        pending = null;
        Suspending = lazy(prefetch);
        throw error;
      },
    ));
  let Suspending = lazy(prefetch);
  function View(props: P) {
    const Loaded = loaded;
    return Loaded ? <Loaded {...props} /> : <Suspending {...props} />;
  }
  return { View, prefetch };
}

/**
 * A view whose code could not be loaded (a server upgraded under an open page, say): a message
 * instead of a blank board, until another view is shown.
 */
export class ViewLoadBoundary extends Component<{ resetKey: string; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }
  override componentDidUpdate(prev: { resetKey: string }): void {
    if (prev.resetKey !== this.props.resetKey && this.state.failed) this.setState({ failed: false });
  }
  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    return (
      <p className="empty" role="alert">
        This view could not be loaded.{' '}
        <button type="button" onClick={() => location.reload()}>
          Reload the board
        </button>
      </p>
    );
  }
}
