/**
 * The Electron main process: thin. One setup function per concern; the engine runs in a
 * worker thread and never imports electron.
 */
import { app, BrowserWindow, screen } from 'electron';
import { setupEngine } from './engine.ts';
import { setupIpc } from './ipc.ts';
import { setupNotifications } from './notifications.ts';
import { parseDesktopOptions } from './options.ts';
import { setupPowerSave } from './power.ts';
import { registerAppScheme, setupAppProtocol } from './protocol.ts';
import { setupSecurity } from './security.ts';
import { createBoardWindow } from './window.ts';

/** How long quitting waits for the engine to stop cleanly. */
const QUIT_TIMEOUT_MS = 5_000;

const options = parseDesktopOptions(process.argv, process.env);

async function onReady(): Promise<void> {
  if (options.listDisplays) {
    screen.getAllDisplays().forEach((d, i) => console.log(`${i}: ${d.label || d.id} ${d.size.width}x${d.size.height}`));
    app.exit(0);
    return;
  }
  setupSecurity();
  setupAppProtocol();
  const engine = await setupEngine(options.configPath);
  setupIpc(engine.host, () => BrowserWindow.getAllWindows());
  let win = createBoardWindow(options);
  setupNotifications(engine.host, () => win);
  const stopPowerSave = setupPowerSave(options.wall);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createBoardWindow(options);
  });
  // Quit waits (briefly) for the engine to flush history and finish sends before exiting.
  let stopped = false;
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    stopPowerSave();
    const limit = new Promise<void>((resolve) => setTimeout(resolve, QUIT_TIMEOUT_MS));
    void Promise.race([engine.stop(), limit]).finally(() => {
      stopped = true;
      app.quit();
    });
  });
}

// Privileged schemes can only be registered before the app is ready.
registerAppScheme();

if (!app.requestSingleInstanceLock()) app.quit();
else {
  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0];
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.whenReady().then(onReady, (error: unknown) => {
    console.error(error);
    app.exit(1);
  });
}
