import { useBoard } from '../store.ts';

/** Which file the board runs from (the whole path on hover): the config is code, kept in a file. */
export function ConfigSource() {
  const source = useBoard((s) => s.board?.config.source);
  if (!source) return null;
  const name = source.split(/[\\/]/).pop() || source;
  return (
    <span className="config-source muted" title={source} data-testid="config-source">
      config: <code>{name}</code>
    </span>
  );
}
