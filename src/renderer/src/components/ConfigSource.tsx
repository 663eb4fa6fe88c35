import { href } from '../route.ts';
import { useBoard } from '../store.ts';
import { IfAllowed } from './SignIn.tsx';

/**
 * Which file the board runs from (the whole path on hover): the config is code, kept in a file.
 * Admins get the editor (#/config), which writes to that file.
 */
export function ConfigSource() {
  const source = useBoard((s) => s.board?.config.source);
  if (!source) return null;
  const name = source.split(/[\\/]/).pop() || source;
  return (
    <>
      <span className="config-source muted" title={source} data-testid="config-source">
        config: <code>{name}</code>
      </span>
      <IfAllowed method="config.edit">
        <a href={href('config')} className="config-edit" data-testid="config-edit-link">
          Edit config
        </a>
      </IfAllowed>
    </>
  );
}
