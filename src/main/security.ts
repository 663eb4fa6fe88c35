import { app, session, type WebContents } from 'electron';
import { isSamePage } from './app-origin.ts';

/**
 * Electron's security checklist applied to every web contents: no navigation away from the
 * board (hash changes are in-page and allowed), no new windows, no webviews, no permission
 * grants (notifications come from the main process, not the page).
 */
export function setupSecurity(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event, url) => {
      if (!samePage(contents, url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!samePage(contents, url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.setDevicePermissionHandler(() => false);
}

/** The board itself, ignoring the hash: anything else is a navigation away and refused. */
function samePage(contents: WebContents, url: string): boolean {
  return isSamePage(contents.getURL(), url);
}
