import { loadConfigFile } from '../engine/config/load.ts';
import { formatIssue } from '../engine/config/parse.ts';
import { resolveChecks, type ResolvedCheck } from '../engine/checks.ts';
import { runProbe } from '../engine/probes/index.ts';
import { isObserverFault, isSlow, type ProbeResult, type Status } from '../shared/model.ts';

export const EXIT_ALL_UP = 0;
export const EXIT_SOME_DOWN = 1;
export const EXIT_BAD_CONFIG = 2;

/** One line of `knockon check --json`. The field names are a stable interface. */
export interface CheckLine {
  id: string;
  name: string;
  type: string;
  status: Status;
  latency_ms: number | null;
  error_class: string | null;
  message: string;
  /** The vantage that probed it: this machine's (config vantage.id, default "local"). */
  vantage: string;
}

const CONCURRENCY = 64;

/**
 * The verdict of one result, as serve's status rules would reach it with fall and rise of 1:
 * a success the probe marks degraded (a certificate inside min_days_left) is degraded here too.
 */
function lineFor(check: ResolvedCheck, result: ProbeResult, vantage: string): CheckLine {
  const slow = isSlow(result, check.degradedLatencyMs);
  return {
    id: check.id,
    name: check.name,
    type: check.type,
    status: isObserverFault(result.errorClass) ? 'unknown' : result.ok ? (slow ? 'degraded' : 'up') : 'down',
    latency_ms: result.latencyMs === null ? null : Math.round(result.latencyMs * 10) / 10,
    error_class: result.errorClass,
    message: result.message,
    vantage,
  };
}

/**
 * Probes every check once. One probe decides: thresholds (fall/rise) need a history that a
 * single run does not have.
 */
export async function checkOnce(
  configPath: string,
  write: (line: string) => void,
  writeError: (line: string) => void,
  json: boolean,
): Promise<number> {
  const outcome = await loadConfigFile(configPath);
  if (!outcome.ok) {
    for (const issue of outcome.issues) writeError(formatIssue(issue));
    writeError(`${outcome.issues.length} problem(s) in ${configPath}; nothing was probed`);
    return EXIT_BAD_CONFIG;
  }
  const checks = resolveChecks(outcome.config);
  const lines: CheckLine[] = new Array(checks.length);
  let next = 0;
  const worker = async () => {
    while (next < checks.length) {
      const i = next++;
      lines[i] = lineFor(checks[i]!, await runProbe(checks[i]!), outcome.config.vantage.id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, checks.length) }, worker));
  for (const line of lines) {
    if (json) write(JSON.stringify(line));
    else {
      const latency = line.latency_ms === null ? '-' : `${line.latency_ms} ms`;
      write(
        `${line.status.toUpperCase().padEnd(9)} ${line.id.padEnd(24)} ${latency.padStart(10)}  ${line.error_class ?? ''} ${line.message}`,
      );
    }
  }
  return lines.some((l) => l.status === 'down') ? EXIT_SOME_DOWN : EXIT_ALL_UP;
}
