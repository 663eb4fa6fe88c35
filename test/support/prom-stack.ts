/**
 * Debian's Prometheus and Alertmanager, started by a test on loopback in a directory of its own,
 * ready (GET /-/ready answers 200) before the test goes on, stopped with `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findSbin, terminate } from './binaries.ts';
import { freePort } from './ports.ts';

export const prometheusPath = findSbin('prometheus');
export const alertmanagerPath = findSbin('prometheus-alertmanager') ?? findSbin('alertmanager');

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

async function startServer(
  name: string,
  binary: string,
  args: (port: number) => string[],
  chosenPort?: number,
): Promise<RunningServer> {
  const port = chosenPort ?? (await freePort());
  let log = '';
  const child: ChildProcess = spawn(binary, args(port), { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4_000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${log}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await terminate(child);
      throw new Error(`${name} was not ready within 20 s:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, stop: () => terminate(child) };
}

/** Prometheus with this prometheus.yml (and rules.yml beside it when given). */
export function startPrometheus(dir: string, config: string, rules?: string): Promise<RunningServer> {
  writeFileSync(join(dir, 'prometheus.yml'), config);
  if (rules !== undefined) writeFileSync(join(dir, 'rules.yml'), rules);
  return startServer('prometheus', prometheusPath!, (port) => [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
}

/**
 * Alertmanager with this alertmanager.yml, on `port` when given (a config elsewhere may need its
 * address first); no cluster (a lone instance gossips with nobody).
 */
export function startAlertmanager(dir: string, config: string, port?: number): Promise<RunningServer> {
  writeFileSync(join(dir, 'alertmanager.yml'), config);
  return startServer(
    'alertmanager',
    alertmanagerPath!,
    (p) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${p}`,
      '--cluster.listen-address=',
    ],
    port,
  );
}

/** Polls `read` until `accept` returns non-null, bounded by `ms`; the last value read is in the error. */
export async function pollUntil<T, R>(read: () => Promise<T>, accept: (value: T) => R | null, ms = 20_000): Promise<R> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await read();
      last = value;
      const accepted = accept(value);
      if (accepted !== null) return accepted;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${ms} ms; last: ${JSON.stringify(last)?.slice(0, 1_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
