import { Notification, type BrowserWindow } from 'electron';
import { IPC } from '../shared/api.ts';
import type { Notice } from '../shared/model.ts';
import type { BoardMessage } from '../shared/protocol.ts';

interface NoticeSource {
  subscribe(listener: (message: BoardMessage) => void): () => void;
}

/**
 * Engine notices (new incidents, escalations, failover results) as native notifications.
 * Clicking one brings the board forward and asks the renderer to open that incident.
 */
export function setupNotifications(host: NoticeSource, window: () => BrowserWindow | null): () => void {
  if (!Notification.isSupported()) return () => {};
  // Kept referenced until closed: a garbage-collected Notification loses its click handler.
  const shown = new Set<Notification>();
  return host.subscribe((message) => {
    if (message.kind !== 'notice') return;
    const notification = show(message.notice, window);
    shown.add(notification);
    notification.on('close', () => shown.delete(notification));
  });
}

function show(notice: Notice, window: () => BrowserWindow | null): Notification {
  const notification = new Notification({
    title: notice.title,
    body: notice.body,
    urgency: notice.severity === 'critical' ? 'critical' : 'normal',
    silent: notice.severity === 'info',
  });
  notification.on('click', () => {
    const win = window();
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
    if (notice.incidentId) win.webContents.send(IPC.openIncident, notice.incidentId);
  });
  notification.show();
  return notification;
}
