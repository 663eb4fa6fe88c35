/**
 * node bench/peer-blackbox.ts [--duration 40 --checks 5000 --interval 10s]
 *
 * The same measurement as bench/engine.ts for a peer: Debian's prometheus and
 * prometheus-blackbox-exporter (apt-get install prometheus prometheus-blackbox-exporter),
 * probing the same target farm over fresh connections with the same expectation (a 2xx whose
 * body contains "status":"OK"). CPU and RSS are the two processes' together, read from /proc;
 * probes are the samples Prometheus stored over the window.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { parseDuration } from '../src/shared/config/duration.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '40' },
    checks: { type: 'string', default: '5000' },
    interval: { type: 'string', default: '10s' },
    ports: { type: 'string', default: '8' },
  },
});
const durationMs = Number(values.duration) * 1000;
const checks = Number(values.checks);
const intervalMs = parseDuration(values.interval!)!;
const CLK_TCK = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

const dir = mkdtempSync(join(tmpdir(), 'knockon-peer-'));
const children: ChildProcess[] = [];
try {
  const farm = spawn(process.execPath, [new URL('./target-farm.ts', import.meta.url).pathname, values.ports!], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  children.push(farm);
  const line = await new Promise<string>((resolve) => createInterface({ input: farm.stdout! }).once('line', resolve));
  const ports = (JSON.parse(line) as { ports: number[] }).ports;

  writeFileSync(
    join(dir, 'blackbox.yml'),
    `modules:\n  http_ok:\n    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n` +
      `      fail_if_body_not_matches_regexp: ['"status":"OK"']\n`,
  );
  const targets = Array.from({ length: checks }, (_, i) => `http://127.0.0.1:${ports[i % ports.length]}/health?c=${i}`);
  const interval = `${intervalMs / 1000}s`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: ${interval}, scrape_timeout: ${Math.min(intervalMs / 1000, 5)}s }\n` +
      `scrape_configs:\n  - job_name: blackbox\n    metrics_path: /probe\n    params: { module: [http_ok] }\n` +
      `    static_configs: [{ targets: ${JSON.stringify(targets)} }]\n` +
      `    relabel_configs:\n      - { source_labels: [__address__], target_label: __param_target }\n` +
      `      - { source_labels: [__param_target], target_label: instance }\n` +
      `      - { target_label: __address__, replacement: '127.0.0.1:19115' }\n`,
  );
  const blackbox = spawn(
    'prometheus-blackbox-exporter',
    [`--config.file=${join(dir, 'blackbox.yml')}`, '--web.listen-address=127.0.0.1:19115', '--log.level=error'],
    { stdio: 'ignore' },
  );
  children.push(blackbox);
  const prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--web.listen-address=127.0.0.1:19090',
      '--log.level=error',
    ],
    { stdio: 'ignore' },
  );
  children.push(prometheus);

  const warmupMs = Math.min(intervalMs * 2, durationMs / 3);
  await sleep(warmupMs);
  const pids = [blackbox.pid!, prometheus.pid!];
  const cpu0 = pids.map(cpuSeconds);
  const t0 = performance.now();
  let peakRss = 0;
  const sampler = setInterval(
    () =>
      (peakRss = Math.max(
        peakRss,
        pids.map(rssMb).reduce((a, b) => a + b),
      )),
    500,
  );
  await sleep(durationMs - warmupMs);
  clearInterval(sampler);
  const elapsedS = (performance.now() - t0) / 1000;
  const cpu = pids.map((pid, i) => cpuSeconds(pid) - cpu0[i]!);
  const ask = async (promql: string) => {
    const reply = await fetch(`http://127.0.0.1:19090/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await reply.json()) as { data: { result: { value: [number, string] }[] } };
    return Number(body.data.result[0]?.value[1] ?? 0);
  };
  const success = await ask('sum(probe_success)');
  // Probes actually made in the window, as Prometheus stored them (not targets × time).
  const probes = await ask(`sum(count_over_time(probe_success[${Math.floor(elapsedS)}s]))`);
  const cpuS = cpu[0]! + cpu[1]!;
  console.log(
    JSON.stringify({
      bench: 'peer-blackbox',
      checks,
      interval_ms: intervalMs,
      duration_s: Math.round(elapsedS * 10) / 10,
      probes,
      probes_per_s: Math.round((probes / elapsedS) * 10) / 10,
      targets_succeeding: success,
      cpu_s_per_1000_probes: Math.round((cpuS / probes) * 1000 * 1000) / 1000,
      cpu_s_per_1000_probes_blackbox_only: Math.round((cpu[0]! / probes) * 1000 * 1000) / 1000,
      rss_mb: Math.round(peakRss),
    }),
  );
} finally {
  for (const child of children) child.kill();
  await sleep(500);
  rmSync(dir, { recursive: true, force: true });
}
