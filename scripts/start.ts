/**
 * npm start: builds, then opens the Electron board. Where the Electron binary could not be
 * installed (ELECTRON_SKIP_BINARY_DOWNLOAD=1 on a closed network), says so and serves the
 * same board headless instead, so the command always shows a board.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const passthrough = process.argv.slice(2);

function electronBinary(): string | null {
  try {
    const path = require('electron') as unknown as string;
    return typeof path === 'string' ? path : null;
  } catch {
    return null;
  }
}

const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const run = (cmd: string, args: string[]) => {
  const child = spawn(cmd, args, { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
};

if (electronBinary()) {
  run('npx', ['electron-vite', 'preview', '--', ...passthrough]);
} else {
  console.log(
    'The Electron binary is not installed here (it downloads at install time, which this machine cannot do).\n' +
      'Serving the same board headless instead: open the address below in a browser.',
  );
  run(process.execPath, ['src/cli/knockon.ts', 'serve', ...passthrough]);
}
