/**
 * The Electron main process: thin. One setup function per concern; the engine runs in a
 * worker thread and never imports electron.
 */
import { app, BrowserWindow } from 'electron';
import { setupEngine } from './engine.ts';
import { setupIpc } from './ipc.ts';
import { setupSecurity } from './security.ts';
import { createBoardWindow } from './window.ts';

async function onReady(): Promise<void> {
  setupSecurity();
  const engine = await setupEngine(process.argv);
  setupIpc(engine.host, () => BrowserWindow.getAllWindows());
  createBoardWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createBoardWindow();
  });
  app.on('before-quit', () => void engine.stop());
}

if (!app.requestSingleInstanceLock()) app.quit();
else {
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.whenReady().then(onReady, (error: unknown) => {
    console.error(error);
    app.exit(1);
  });
}
