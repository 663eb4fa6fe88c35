import { fileURLToPath } from 'node:url';

/** Run from a checkout (src/cli/*.ts under Node's type stripping) or from the build (out/cli/*.js). */
const fromSource = import.meta.url.endsWith('.ts');

export const engineWorkerPath: URL = fromSource
  ? new URL('../engine/worker.ts', import.meta.url)
  : new URL('./worker.js', import.meta.url);

/** The built renderer, which the headless server serves. */
export const rendererDir: string = fileURLToPath(
  fromSource ? new URL('../../out/renderer/', import.meta.url) : new URL('../renderer/', import.meta.url),
);
