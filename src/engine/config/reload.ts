import type { Config } from '../../shared/config/schema.ts';
import type { ConfigIssue } from '../../shared/model.ts';
import { describeError } from '../repeated-errors.ts';
import { formatIssue, type ParseOutcome } from './parse.ts';

/** What the reloader needs of the engine (Engine has both). */
export interface ConfigTarget {
  applyConfig(config: Config, source: string): void;
  reportConfigError(issues: ConfigIssue[]): void;
}

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

/**
 * Turns each outcome of reading the config file, at start and on every change, into the
 * engine's state: a valid config is applied; anything else (issues, or an apply that throws)
 * becomes the located error on the board and in the log, and the last good config keeps
 * running. Never throws, so no reload can take the worker down.
 */
export function configReloader(engine: ConfigTarget, path: string, log: Log): (outcome: ParseOutcome) => void {
  let lastGood: Config | null = null;
  const refuse = (issues: ConfigIssue[]) => {
    const what = lastGood === null ? 'no checks run until it is fixed' : 'the last good config keeps running';
    log('warn', `config ${path} is invalid; ${what}:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    try {
      engine.reportConfigError(issues);
    } catch (error) {
      log('error', `could not report the config error: ${describeError(error)}`);
    }
  };
  return (outcome) => {
    if (!outcome.ok) return refuse(outcome.issues);
    try {
      engine.applyConfig(outcome.config, path);
    } catch (error) {
      log('error', `config ${path} could not be applied: ${describeError(error)}`);
      // Whatever the failed apply left half done, the last good config is put back whole.
      if (lastGood !== null) {
        try {
          engine.applyConfig(lastGood, path);
        } catch (again) {
          log('error', `the last good config could not be put back: ${describeError(again)}`);
        }
      }
      const message = `could not be applied: ${error instanceof Error ? error.message : String(error)}`;
      return refuse([{ file: path, line: null, column: null, field: '(file)', message }]);
    }
    log('info', lastGood === null ? `config loaded from ${path}` : `config reloaded from ${path}`);
    lastGood = outcome.config;
  };
}
