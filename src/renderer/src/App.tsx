import { useMemo } from 'react';
import { ConfigBanner } from './components/ConfigBanner.tsx';
import { Header } from './components/Header.tsx';
import { useBoard } from './store.ts';
import { useNow } from './use-now.ts';
import { StatusGrid } from './views/StatusGrid.tsx';

export function App() {
  const board = useBoard((s) => s.board);
  const connection = useBoard((s) => s.connection);
  const now = useNow(1000);
  const counts = useMemo(() => {
    const c = { down: 0, degraded: 0, up: 0, total: board?.checks.length ?? 0 };
    for (const check of board?.checks ?? []) {
      if (check.status === 'down') c.down++;
      else if (check.status === 'degraded') c.degraded++;
      else if (check.status === 'up') c.up++;
    }
    return c;
  }, [board?.checks]);
  const newestDataAt = useMemo(() => {
    let newest: number | null = null;
    for (const check of board?.checks ?? []) {
      if (check.lastProbeAt !== null && (newest === null || check.lastProbeAt > newest)) newest = check.lastProbeAt;
    }
    return newest;
  }, [board?.checks]);

  return (
    <div className="app" data-connection={connection}>
      <Header
        title={board?.title ?? 'Knockon'}
        timezone={board?.timezone ?? 'UTC'}
        now={now}
        connection={connection}
        newestDataAt={newestDataAt}
        counts={counts}
      />
      {board && <ConfigBanner config={board.config} />}
      {board ? (
        <StatusGrid board={board} now={now} connected={connection === 'live'} />
      ) : (
        <p className="empty">Waiting for the engine…</p>
      )}
    </div>
  );
}
