/**
 * A bad hour on loopback: 8 regions of 40 checks (320 in all), one real HTTP server per region
 * that the test can take down (its socket closed: ECONNREFUSED) or slow down, per region or per
 * component, and a real webhook receiver that the failover policies call. The config is written
 * for `knockon serve`; the same generator feeds bench:ui's bad-hour board.
 */
import { createServer, type Server } from 'node:http';
import { close, listen } from '../../src/demo/lab.ts';
import { RecordingReceiver } from '../../test/support/receivers.ts';

export interface BadHourRegion {
  id: string;
  name: string;
  provider: string;
  lat: number;
  lon: number;
}

/** Eight regions, two pairs of them close on the map (London and Frankfurt, Hong Kong and Tokyo-ish). */
export const BAD_HOUR_REGIONS: BadHourRegion[] = [
  { id: 'lon', name: 'London', provider: 'eu-west-2', lat: 51.5, lon: -0.12 },
  { id: 'iad', name: 'N. Virginia', provider: 'us-east-1', lat: 38.9, lon: -77.4 },
  { id: 'fra', name: 'Frankfurt', provider: 'eu-central-1', lat: 50.1, lon: 8.7 },
  { id: 'sg', name: 'Singapore', provider: 'ap-southeast-1', lat: 1.35, lon: 103.8 },
  { id: 'hk', name: 'Hong Kong', provider: 'ap-east-1', lat: 22.3, lon: 114.2 },
  { id: 'tyo', name: 'Tokyo', provider: 'ap-northeast-1', lat: 35.7, lon: 139.7 },
  { id: 'syd', name: 'Sydney', provider: 'ap-southeast-2', lat: -33.9, lon: 151.2 },
  { id: 'gru', name: 'São Paulo', provider: 'sa-east-1', lat: -23.5, lon: -46.6 },
];

/** Components of every region and how many checks each has (40 in all); all but the edge sit behind it. */
export const BAD_HOUR_COMPONENTS: { id: string; name: string; kind: string; checks: number }[] = [
  { id: 'edge', name: 'edge load balancer', kind: 'load_balancer', checks: 4 },
  { id: 'api', name: 'orders API', kind: 'api', checks: 12 },
  { id: 'auth', name: 'auth', kind: 'service', checks: 5 },
  { id: 'payments', name: 'payments', kind: 'service', checks: 5 },
  { id: 'search', name: 'search', kind: 'service', checks: 5 },
  { id: 'db', name: 'database', kind: 'database', checks: 5 },
  { id: 'cache', name: 'cache', kind: 'cache', checks: 4 },
];

/** Slower than this is degraded; a slowed server answers after SLOW_MS. Wide margins: a busy CI machine adds hundreds of ms. */
const DEGRADED_MS = 700;
const SLOW_MS = 900;
export const WEBHOOK_ENV = 'KNOCKON_BAD_HOUR_WEBHOOK';

export interface BadHourLab {
  configText: string;
  /** The real receiver both failover policies call. */
  webhook: RecordingReceiver;
  /** Environment for `knockon serve` (the webhook's URL, a secret by the config's rules). */
  env: Record<string, string>;
  /** Closes a region's server (every check refused) or opens it again. */
  setDown(region: string, down: boolean): Promise<void>;
  /** Slows a whole region, or one component (`region-component`). */
  setSlow(target: string, slow: boolean): void;
  stop(): Promise<void>;
}

export async function startBadHourLab(): Promise<BadHourLab> {
  const slow = new Set<string>();
  const down = new Set<string>();
  const servers = new Map<string, { server: Server; port: number }>();
  for (const region of BAD_HOUR_REGIONS) {
    const server = createServer((req, res) => {
      // Paths are /<region>/<component>/<n>: slow when the region or the component is.
      const [, r = '', component = ''] = (req.url ?? '').split('/');
      const delay = slow.has(r) || slow.has(`${r}-${component}`) ? SLOW_MS : 0;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
        res.end('OK');
      }, delay);
    });
    servers.set(region.id, { server, port: await listen(server) });
  }
  const webhook = await new RecordingReceiver().start();
  return {
    configText: badHourConfig(new Map([...servers].map(([id, s]) => [id, s.port]))),
    webhook,
    env: { [WEBHOOK_ENV]: `${webhook.url}/failover` },
    setDown: async (region, on) => {
      const s = servers.get(region)!;
      if (on === down.has(region)) return;
      if (on) {
        down.add(region);
        await close(s.server);
      } else {
        down.delete(region);
        await listen(s.server, s.port);
      }
    },
    setSlow: (target, on) => void (on ? slow.add(target) : slow.delete(target)),
    stop: async () => {
      await Promise.all([
        ...[...servers].filter(([id]) => !down.has(id)).map(([, s]) => close(s.server)),
        webhook.stop(),
      ]);
    },
  };
}

/** The whole config: 320 HTTP checks, 56 components, two alert rules, two failover policies. */
export function badHourConfig(ports: ReadonlyMap<string, number>): string {
  const regions = BAD_HOUR_REGIONS.map(
    (r) => `  - { id: ${r.id}, name: ${r.name}, provider_region: ${r.provider}, lat: ${r.lat}, lon: ${r.lon} }`,
  );
  const checks: string[] = [];
  const components: string[] = [];
  for (const r of BAD_HOUR_REGIONS) {
    for (const c of BAD_HOUR_COMPONENTS) {
      const ids: string[] = [];
      for (let n = 1; n <= c.checks; n++) {
        const id = `${r.id}-${c.id}-${n}`;
        ids.push(id);
        checks.push(
          `  - { id: ${id}, name: ${r.name} ${c.id} node ${n}, region: ${r.id}, type: http, url: "http://127.0.0.1:${ports.get(r.id)}/${r.id}/${c.id}/${n}", degraded_latency: ${DEGRADED_MS}ms }`,
        );
      }
      const deps = c.id === 'edge' ? '' : `, depends_on: [${r.id}-edge]`;
      components.push(
        `  - { id: ${r.id}-${c.id}, name: ${r.name} ${c.name}, kind: ${c.kind}, region: ${r.id}, checks: [${ids.join(', ')}]${deps} }`,
      );
    }
  }
  const policy = (id: string, name: string, watch: string, mode: string) => `    - id: ${id}
      name: ${name}
      watch: { component: ${watch} }
      mode: ${mode}
      primary: ${watch}
      backup: standby
      actions:
        - { type: webhook, url_env: ${WEBHOOK_ENV}, format: json, retries: 0, timeout: 2s }
      failback: { mode: manual }
      cooldown: 2s`;
  return `# The bad hour: 320 checks in 8 regions (written by e2e/support/bad-hour.ts).
version: 1
board:
  title: Global edge, a bad hour
  timezone: UTC
defaults:
  interval: 4s
  timeout: 3500ms
  fall: 1
  rise: 1
regions:
${regions.join('\n')}
checks:
${checks.join('\n')}
components:
${components.join('\n')}
alerts:
  - { name: ServerDown, condition: down, for: 2s, severity: critical }
  # Longer than a busy machine's hiccup: only the slowness the test makes opens an incident.
  - { name: Slow, condition: degraded, for: 6s, severity: warning }
receivers:
  - { id: board, type: desktop }
notifications: { group_wait: 1s, group_interval: 5s, repeat_interval: 4h }
failover:
  policies:
${policy('lon-out', 'London to Frankfurt', 'lon-edge', 'approval')}
${policy('fra-out', 'Frankfurt to London', 'fra-edge', 'approval')}
`;
}
