/**
 * npm test: every gate in order (lint, typecheck, unit and integration tests, build, end-to-end
 * tests), each step's outcome counted, ending with one plain line: "N passed, N failed".
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}
const total: Tally = { passed: 0, failed: 0, skipped: 0 };
const lines: string[] = [];

function run(cmd: string, args: string[], env: Record<string, string> = {}): number {
  const result = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

function gate(name: string, cmd: string, args: string[]): boolean {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const ok = run(cmd, args) === 0;
  total[ok ? 'passed' : 'failed']++;
  lines.push(`${ok ? 'PASS' : 'FAIL'}  ${name}`);
  return ok;
}

// Reporter JSON, read field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ReporterJson = any;

function counted(name: string, cmd: string, args: string[], report: string, read: (json: ReporterJson) => Tally): void {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const code = run(cmd, args);
  let tally: Tally = { passed: 0, failed: 0, skipped: 0 };
  if (existsSync(report)) tally = read(JSON.parse(readFileSync(report, 'utf8')));
  if (code !== 0 && tally.failed === 0) tally.failed = 1; // crashed before reporting
  total.passed += tally.passed;
  total.failed += tally.failed;
  total.skipped += tally.skipped;
  lines.push(
    `${tally.failed === 0 ? 'PASS' : 'FAIL'}  ${name}: ${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped`,
  );
}

mkdirSync('test-results', { recursive: true });
const npx = 'npx';

gate('lint (eslint)', npx, ['eslint', '.']);
gate('format (prettier)', npx, ['prettier', '--check', '.']);
gate('typecheck (node side)', npx, ['tsc', '-p', 'tsconfig.node.json']);
gate('typecheck (web side)', npx, ['tsc', '-p', 'tsconfig.web.json']);
counted(
  'unit and integration tests (vitest)',
  npx,
  ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=test-results/unit.json'],
  'test-results/unit.json',
  (j) => ({
    passed: j.numPassedTests,
    // A file that failed without a failed test in it (an import error, a hook) counts once;
    // numFailedTestSuites would count each describe around a failed test again.
    failed:
      j.numFailedTests +
      (j.testResults ?? []).filter(
        (f: { status: string; assertionResults?: { status: string }[] }) =>
          f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
      ).length,
    skipped: j.numPendingTests + j.numTodoTests,
  }),
);
const built = gate('build (electron-vite and CLI)', 'npm', ['run', 'build']);
if (built) {
  counted(
    'end-to-end tests (playwright, chromium)',
    npx,
    ['playwright', 'test'],
    'test-results/e2e-results.json',
    (j) => ({
      passed: j.stats.expected,
      failed: j.stats.unexpected + j.stats.flaky,
      skipped: j.stats.skipped,
    }),
  );
} else {
  total.failed++;
  lines.push('FAIL  end-to-end tests: not run, the build failed');
}

console.log('\n=== summary');
for (const line of lines) console.log(line);
if (total.skipped > 0) console.log(`(${total.skipped} skipped: see the reasons printed above)`);
console.log(`${total.passed} passed, ${total.failed} failed`);
process.exit(total.failed === 0 ? 0 : 1);
