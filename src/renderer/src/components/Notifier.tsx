import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import type { Notice } from '../../../shared/model.ts';
import { navigate } from '../route.ts';
import { transportName } from '../rpc.ts';
import { useBoard } from '../store.ts';
import { groupToast, TONE } from '../toast-group.ts';
import { TOAST_MS, useUi } from '../ui-store.ts';

/** More notices than this in one burst are grouped into a single toast. */
const GROUP_ABOVE = 2;

function notificationsGranted(): boolean {
  return typeof Notification !== 'undefined' && Notification.permission === 'granted';
}

/**
 * Turns engine notices into something people notice. In Electron the main process shows the
 * native notification; in a browser, the Notification API when the engineer allowed it, and an
 * in-page toast otherwise. The wall always gets the toast: a kiosk may hide native popups.
 */
export function Notifier({ wall }: { wall: boolean }) {
  const notices = useBoard((s) => s.notices);
  const toast = useUi((s) => s.toast);
  const dismiss = useUi((s) => s.dismiss);
  const seen = useRef(new Set<string>());
  const burst = useRef<{ at: number; notices: Notice[] }>({ at: 0, notices: [] });
  useEffect(() => {
    const fresh = [...notices].reverse().filter((n) => !seen.current.has(n.id));
    for (const n of fresh) seen.current.add(n.id);
    const toToast = fresh.filter(
      (notice) => wall || !(transportName() === 'ipc' || (notificationsGranted() && showBrowserNotification(notice))),
    );
    if (toToast.length === 0) return;
    // A burst (notices within one toast's lifetime of each other, as in a bad hour) becomes one
    // toast that says what they are, replaced in place as the burst grows, not a pile.
    const now = Date.now();
    if (now - burst.current.at > TOAST_MS.other) burst.current.notices = [];
    burst.current.at = now;
    burst.current.notices.push(...toToast);
    const all = burst.current.notices;
    if (all.length > GROUP_ABOVE) {
      for (const n of all) dismiss(`notice-${n.id}`);
      toast({ ...groupToast(all), id: 'notice-burst' });
    } else
      for (const notice of toToast)
        toast({
          id: `notice-${notice.id}`,
          title: notice.title,
          body: notice.body,
          tone: TONE[notice.severity],
          incidentId: notice.incidentId,
        });
  }, [notices, toast, dismiss, wall]);
  return <Toasts />;
}

function showBrowserNotification(notice: Notice): boolean {
  try {
    const n = new Notification(notice.title, { body: notice.body, tag: notice.id });
    n.onclick = () => {
      window.focus();
      if (notice.incidentId) navigate('incidents', notice.incidentId);
      n.close();
    };
    return true;
  } catch {
    return false;
  }
}

/**
 * How much of the window's bottom the engineer's floating toasts take, as `--toasts-reserve` on
 * the document: what scrolls is given that much room at its end (styles.css), so a toast that
 * stays up through a bad hour never hides the end of a list for good. Zero without toasts; not
 * used on the wall, where toasts have a band of their own.
 */
function useToastReserve(container: RefObject<HTMLDivElement | null>, count: number): void {
  useLayoutEffect(() => {
    const root = document.documentElement;
    const element = container.current;
    const measure = () => {
      const top = element && count > 0 ? element.getBoundingClientRect().top : window.innerHeight;
      root.style.setProperty('--toasts-reserve', `${Math.max(0, Math.ceil(window.innerHeight - top))}px`);
    };
    measure();
    if (!element || count === 0 || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    window.addEventListener('resize', measure);
    return () => {
      observer.disconnect();
      window.removeEventListener('resize', measure);
      root.style.setProperty('--toasts-reserve', '0px');
    };
  }, [container, count]);
}

function Toasts() {
  const toasts = useUi((s) => s.toasts);
  const dismiss = useUi((s) => s.dismiss);
  const container = useRef<HTMLDivElement>(null);
  useToastReserve(container, toasts.length);
  useEffect(() => {
    if (toasts.length === 0) return;
    // Each from its own time: a new toast must not keep the older ones up (in a bad hour they
    // would never go).
    const timers = toasts.map((t) => setTimeout(() => dismiss(t.id), Math.max(0, (t.until ?? 0) - Date.now())));
    return () => timers.forEach(clearTimeout);
  }, [toasts, dismiss]);
  return (
    <div className="toasts" aria-live="assertive" data-testid="toasts" ref={container}>
      {toasts.map((t) => (
        <div key={t.id} className={`toast tone-${t.tone}`} role="status" data-testid="toast">
          <strong>{t.title}</strong>
          {t.body && <span>{t.body}</span>}
          <div className="toast-actions">
            {t.incidentId && (
              <button
                type="button"
                onClick={() => {
                  navigate('incidents', t.incidentId);
                  dismiss(t.id);
                }}
              >
                Open incident
              </button>
            )}
            <button
              type="button"
              className="toast-dismiss"
              onClick={() => dismiss(t.id)}
              aria-label={`Dismiss ${t.title}`}
              data-testid="toast-dismiss"
            >
              Dismiss
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}

/** Asks for notification permission only on an explicit click, as browsers expect. */
export function NotificationButton() {
  const [permission, setPermission] = useState(() =>
    typeof Notification === 'undefined' ? 'unsupported' : Notification.permission,
  );
  if (transportName() === 'ipc' || permission === 'unsupported') return null;
  if (permission === 'granted') return <span className="nav-note">Notifications on</span>;
  return (
    <button
      type="button"
      className="nav-button"
      disabled={permission === 'denied'}
      title={permission === 'denied' ? 'Blocked in this browser: notices appear as toasts' : undefined}
      onClick={() => void Notification.requestPermission().then(setPermission)}
    >
      {permission === 'denied' ? 'Notifications blocked' : 'Enable notifications'}
    </button>
  );
}
