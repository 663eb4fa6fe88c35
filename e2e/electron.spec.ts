import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { _electron as electron, expect, test } from '@playwright/test';

/**
 * The desktop app itself. Needs Electron's binary, which closed networks install without
 * (ELECTRON_SKIP_BINARY_DOWNLOAD=1): the test then says so and skips.
 */
function electronBinary(): string | null {
  try {
    const dir = createRequire(import.meta.url)
      .resolve('electron/package.json')
      .replace(/package\.json$/, '');
    const pathFile = `${dir}path.txt`;
    if (!existsSync(pathFile)) return null;
    const binary = `${dir}dist/${readFileSync(pathFile, 'utf8').trim()}`;
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

test('the desktop board is isolated, sandboxed and live over IPC', async () => {
  const executablePath = electronBinary();
  const reason =
    'Electron binary not installed (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1): the desktop app cannot be launched here';
  if (executablePath === null) console.log(`SKIPPED: ${reason}`);
  test.skip(executablePath === null, reason);
  const app = await electron.launch({ executablePath: executablePath!, args: ['out/main/index.js'] });
  try {
    const window = await app.firstWindow();
    await expect(window.getByTestId('connection')).toHaveAttribute('data-state', 'live', { timeout: 30_000 });
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(
      await window.evaluate(() => (window as unknown as { knockon: { transport: string } }).knockon.transport),
    ).toBe('ipc');
    // Context isolation and the sandbox: the page sees neither Node's process nor require.
    expect(await window.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
  } finally {
    await app.close();
  }
});
