import { BrowserWindow, screen } from 'electron';
import { fileURLToPath } from 'node:url';
import { boardUrl } from './app-origin.ts';
import type { DesktopOptions } from './options.ts';
import { originPolicy } from './protocol.ts';

/** The board's one window: an ordinary window for engineers, a kiosk on the chosen display for the wall. */
export function createBoardWindow(options: DesktopOptions): BrowserWindow {
  const displays = screen.getAllDisplays();
  const display =
    options.display !== null && displays[options.display] ? displays[options.display]! : screen.getPrimaryDisplay();
  if (options.display !== null && !displays[options.display]) {
    console.warn(`--display ${options.display}: only ${displays.length} display(s); using the primary one`);
  }
  const { x, y, width, height } = display.bounds;
  const win = new BrowserWindow({
    ...(options.wall ? { x, y, width, height } : { width: 1600, height: 900 }),
    backgroundColor: '#05070a',
    show: false,
    autoHideMenuBar: true,
    kiosk: options.wall,
    fullscreen: options.wall,
    title: 'Knockon',
    webPreferences: {
      preload: fileURLToPath(new URL('../preload/index.cjs', import.meta.url)),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      // The wall must keep updating and rotating while nobody looks at the machine.
      backgroundThrottling: !options.wall,
    },
  });
  win.once('ready-to-show', () => win.show());
  const query: Record<string, string> = {};
  if (options.wall) {
    query.wall = '1';
    if (options.dwellSeconds !== null) query.dwell = String(options.dwellSeconds);
    if (options.views !== null) query.views = options.views;
  }
  const hash = options.wall ? '/wall' : '/checks';
  void win.loadURL(boardUrl(originPolicy(), query, hash));
  return win;
}
