import { NAV_VIEWS, href, type ViewName } from '../route.ts';
import { ConfigSource } from './ConfigSource.tsx';
import { NotificationButton } from './Notifier.tsx';
import { IfAllowed } from './SignIn.tsx';

/** Engineer mode only: the wall never shows navigation. Keys 1–6 switch views too. */
export function Nav({ current }: { current: ViewName }) {
  const active = current === 'check' ? 'checks' : current === 'wall' ? 'overview' : current;
  return (
    <nav className="nav" aria-label="Views">
      <ul>
        {NAV_VIEWS.map((item) => (
          <li key={item.view}>
            <a
              href={href(item.view)}
              aria-current={active === item.view ? 'page' : undefined}
              aria-keyshortcuts={item.key}
              data-testid={`nav-${item.view}`}
            >
              {item.label}
            </a>
          </li>
        ))}
      </ul>
      <div className="nav-tools">
        <ConfigSource />
        <NotificationButton />
        <IfAllowed method="auth.tokens">
          <a
            href={href('access')}
            aria-current={current === 'access' ? 'page' : undefined}
            className="nav-access"
            data-testid="nav-access"
          >
            Access
          </a>
        </IfAllowed>
        <a href="?wall=1#/wall" className="nav-wall" data-testid="nav-wall-mode">
          Wall mode
        </a>
      </div>
    </nav>
  );
}
