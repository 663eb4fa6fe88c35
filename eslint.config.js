import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'node:*',
  'fs',
  'path',
  'os',
  'http',
  'https',
  'net',
  'tls',
  'dns',
  'child_process',
  'worker_threads',
  'crypto',
];

/** Process boundaries from DESIGN.md, enforced here rather than hoped for. */
const restrict = (groups, message) => ({
  'no-restricted-imports': ['error', { patterns: groups.map((group) => ({ group: [group], message })) }],
});

export default tseslint.config(
  {
    ignores: [
      'out/',
      'dist/',
      'release/',
      'node_modules/',
      '.tools/',
      'test-results/',
      'playwright-report/',
      'schema/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: restrict(
      [
        ...NODE_BUILTINS,
        'electron',
        'react',
        'react-dom',
        'react/*',
        'undici',
        '../engine/*',
        '../main/*',
        '../renderer/*',
      ],
      'src/shared is imported by every side: no node:*, electron, React or side-specific code.',
    ),
  },
  {
    files: ['src/engine/**/*.ts', 'src/agent/**/*.ts', 'src/server/**/*.ts', 'src/cli/**/*.ts', 'src/demo/**/*.ts'],
    rules: restrict(
      ['electron', 'react', 'react-dom', '**/main/*', '**/renderer/**'],
      'The engine and the headless side run without Electron or React.',
    ),
  },
  {
    // The server sits on the engine, not under it: only the worker's entry, which serves the
    // agent port from the engine's thread, may import it (src/server/agent-port.ts).
    files: ['src/engine/**/*.ts'],
    ignores: ['src/engine/worker.ts'],
    rules: restrict(
      ['electron', 'react', 'react-dom', '**/main/*', '**/renderer/**', '**/server/**'],
      'The engine runs without Electron or React, and imports no server code (the worker entry alone serves the agent port).',
    ),
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict(
      [...NODE_BUILTINS, 'electron', 'undici', '**/engine/**', '**/main/**', '**/server/**', '**/preload/**'],
      'The renderer knows only the typed API: no node:*, electron or engine code.',
    ),
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: restrict([...NODE_BUILTINS, '**/engine/**', '**/main/**'], 'The preload exposes one API and nothing else.'),
  },
);
