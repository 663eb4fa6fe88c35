import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/** Bundles the headless CLI and the engine worker for the installed `knockon` bin. */
export default defineConfig({
  build: {
    ssr: true,
    target: 'node24',
    outDir: 'out/cli',
    emptyOutDir: true,
    minify: false,
    rollupOptions: {
      input: { knockon: resolve('src/cli/knockon.ts'), worker: resolve('src/engine/worker.ts') },
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
});
