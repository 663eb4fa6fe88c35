/**
 * The demo lab: real HTTP servers on loopback standing in for an APAC deployment, with a
 * scripted outage of the Hong Kong primary, so a newcomer sees a live board with real probes.
 * Everything binds 127.0.0.1 (macOS has no other loopback address by default).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { loadLabPorts, saveLabPorts } from './lab-ports.ts';

export interface DemoLabOptions {
  /** Time from one outage's start to the next. */
  outageEveryMs?: number;
  /** How long the Hong Kong load balancer stays down. */
  outageForMs?: number;
  /** Delay before the first outage. */
  firstOutageAfterMs?: number;
  log?: (message: string) => void;
  /**
   * Where to keep the lab's ports (in the data directory): a restart listens on the same ports
   * when they are free, so the board restores the checks' last known states.
   */
  portsFile?: string;
}

export interface DemoLab {
  configText: string;
  /** The demo DNS responders, as "127.0.0.1:PORT". */
  dnsResolvers: string[];
  /** True while the scripted outage is on. */
  outage(): boolean;
  /** Starts or ends the outage now (used by tests and the CLI). */
  setOutage(on: boolean): Promise<void>;
  stop(): Promise<void>;
}

interface Service {
  id: string;
  name: string;
  region: string;
  /** Down when the HK primary is: sits behind the HK load balancer. */
  behindHkLb: boolean;
  latencyMs: number;
  /** Latency while the HK primary is down: the backup takes the load and slows down. */
  outageLatencyMs?: number;
}

const SERVICES: Service[] = [
  { id: 'hk-lb', name: 'HK edge load balancer', region: 'hk', behindHkLb: false, latencyMs: 2 },
  { id: 'hk-api', name: 'HK orders API', region: 'hk', behindHkLb: true, latencyMs: 8 },
  { id: 'hk-payments', name: 'HK payments', region: 'hk', behindHkLb: true, latencyMs: 12 },
  { id: 'hk-auth', name: 'HK auth', region: 'hk', behindHkLb: true, latencyMs: 5 },
  { id: 'sg-lb', name: 'SG edge load balancer', region: 'sg', behindHkLb: false, latencyMs: 3 },
  { id: 'sg-api', name: 'SG orders API (backup)', region: 'sg', behindHkLb: false, latencyMs: 9, outageLatencyMs: 700 },
  { id: 'tyo-quotes', name: 'Tokyo quotes (reads HK)', region: 'tyo', behindHkLb: true, latencyMs: 15 },
];

/** Listens on a port used before if it is free, else on any free one. */
async function listenPreferring(server: Server, port: number | undefined): Promise<number> {
  if (port !== undefined) {
    try {
      return await listen(server, port);
    } catch {
      // Taken by something else now: any free port will do (the checks then start afresh).
    }
  }
  return listen(server);
}

/** Listens on loopback (a fixed port to come back on after an outage, or any free one). */
export function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The name the demo's DNS responders serve, and its address (the HK primary). */
export const DEMO_DNS_NAME = 'app.apac.demo';
export const DEMO_DNS_ADDRESS = '203.0.113.10';

/**
 * A tiny authoritative responder over UDP: A records for DEMO_DNS_NAME, NXDOMAIN for other
 * names in apac.demo, REFUSED for the rest. The answers stay the same through the outage (the
 * failover policy is a dry run), so the check shows per-resolver answers without muddying it.
 */
async function startDnsResponder(port: number | undefined): Promise<{ socket: UdpSocket; port: number }> {
  if (port !== undefined) {
    try {
      return await bindDnsResponder(port);
    } catch {
      // Taken now: any free port.
    }
  }
  return bindDnsResponder(0);
}

function bindDnsResponder(port: number): Promise<{ socket: UdpSocket; port: number }> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return; // Not DNS: ignore it, as a real server would.
    }
    if (query.type !== 'query') return;
    const question = query.questions?.[0];
    const name = question?.name.toLowerCase() ?? '';
    const ours = name === DEMO_DNS_NAME;
    const inZone = ours || name.endsWith('.apac.demo') || name === 'apac.demo';
    const answers =
      ours && question?.type === 'A'
        ? [{ type: 'A' as const, name: question.name, ttl: 30, data: DEMO_DNS_ADDRESS }]
        : [];
    const rcode = !inZone ? 5 : ours ? 0 : 3; // REFUSED, NOERROR, NXDOMAIN
    try {
      const reply = dnsPacket.encode({
        type: 'response',
        id: query.id,
        flags: dnsPacket.AUTHORITATIVE_ANSWER | rcode,
        questions: query.questions,
        answers,
      });
      socket.send(reply, rinfo.port, rinfo.address);
    } catch {
      // A question dns-packet cannot encode back: no answer.
    }
  });
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      socket.close();
      reject(error);
    };
    socket.once('error', onError);
    socket.bind(port, '127.0.0.1', () => {
      socket.off('error', onError);
      resolve({ socket, port: socket.address().port });
    });
  });
}

/** Closes a server now, dropping kept-alive connections. */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startDemoLab(options: DemoLabOptions = {}): Promise<DemoLab> {
  const log = options.log ?? (() => {});
  let outage = false;
  const servers = new Map<string, { server: Server; port: number }>();
  const before = options.portsFile ? await loadLabPorts(options.portsFile) : {};

  for (const service of SERVICES) {
    const server = createServer((req, res) => {
      const failing = outage && service.behindHkLb;
      const latencyMs = outage ? (service.outageLatencyMs ?? service.latencyMs) : service.latencyMs;
      setTimeout(() => {
        res.writeHead(failing ? 503 : 200, { 'content-type': 'application/json', connection: 'close' });
        res.end(
          JSON.stringify(
            failing
              ? { status: 'ERROR', reason: 'upstream hk-lb unreachable' }
              : { status: 'OK', service: service.id, path: req.url },
          ),
        );
      }, latencyMs);
    });
    servers.set(service.id, { server, port: await listenPreferring(server, before[service.id]) });
  }
  // Two responders standing in for two resolvers, so the DNS check shows each one's answer.
  const dnsResponders = [await startDnsResponder(before['dns-1']), await startDnsResponder(before['dns-2'])];
  if (options.portsFile) {
    const ports = Object.fromEntries([...servers].map(([id, s]) => [id, s.port]));
    dnsResponders.forEach((r, i) => (ports[`dns-${i + 1}`] = r.port));
    // Best effort: a demo whose data directory is read-only still runs, on new ports next time.
    await saveLabPorts(options.portsFile, ports).catch((error: unknown) =>
      log(`demo: cannot keep the lab's ports: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  const hkLb = servers.get('hk-lb')!;
  const setOutage = async (on: boolean) => {
    if (on === outage) return;
    outage = on;
    if (on) {
      await close(hkLb.server);
      log('demo: Hong Kong primary load balancer is DOWN (scripted outage)');
    } else {
      await listen(hkLb.server, hkLb.port);
      log('demo: Hong Kong primary load balancer is back');
    }
  };

  const every = options.outageEveryMs ?? 180_000;
  const lasts = options.outageForMs ?? 60_000;
  const timers: ReturnType<typeof setTimeout>[] = [];
  const cycle = () => {
    void setOutage(true);
    timers.push(setTimeout(() => void setOutage(false), lasts));
    timers.push(setTimeout(cycle, every));
  };
  if (every > 0) timers.push(setTimeout(cycle, options.firstOutageAfterMs ?? 60_000));

  return {
    configText: demoConfigText(
      new Map([...servers].map(([id, s]) => [id, s.port])),
      dnsResponders.map((r) => r.port),
    ),
    dnsResolvers: dnsResponders.map((r) => `127.0.0.1:${r.port}`),
    outage: () => outage,
    setOutage,
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      await Promise.all([
        ...[...servers.values()].map((s) => close(s.server)),
        ...dnsResponders.map((r) => new Promise<void>((resolve) => r.socket.close(() => resolve()))),
      ]);
    },
  };
}

function demoConfigText(ports: Map<string, number>, dnsPorts: number[]): string {
  const checks = SERVICES.map(
    (s) => `  - id: ${s.id}
    name: ${s.name}
    region: ${s.region}
    type: http
    url: http://127.0.0.1:${ports.get(s.id)}/health
    degraded_latency: 500ms
    expect:
      body_contains: '"status":"OK"'`,
  ).join('\n');
  const dnsCheck = `  - id: hk-dns
    name: app.apac.demo (A)
    region: hk
    type: dns
    query_name: ${DEMO_DNS_NAME}
    record_type: A
    resolvers: [${dnsPorts.map((p) => `"127.0.0.1:${p}"`).join(', ')}]
    expect:
      answers: [${DEMO_DNS_ADDRESS}]
      agree: true`;
  return `# Knockon built-in demo: an APAC deployment on loopback, Hong Kong primary, Singapore backup.
version: 1
board:
  title: APAC edge (demo)
  timezone: Asia/Hong_Kong
defaults:
  interval: 2s
  timeout: 1s
  fall: 3
  rise: 2
regions:
  - { id: hk, name: Hong Kong, lat: 22.32, lon: 114.17, provider_region: ap-east-1 }
  - { id: sg, name: Singapore, lat: 1.35, lon: 103.82, provider_region: ap-southeast-1 }
  - { id: tyo, name: Tokyo, lat: 35.68, lon: 139.69, provider_region: ap-northeast-1 }
checks:
${checks}
${dnsCheck}
components:
  - { id: hk-lb, name: HK edge load balancer, kind: load_balancer, region: hk, checks: [hk-lb] }
  - { id: hk-api, name: HK orders API, kind: api, region: hk, checks: [hk-api], depends_on: [hk-lb] }
  - { id: hk-payments, name: HK payments, kind: service, region: hk, checks: [hk-payments], depends_on: [hk-lb] }
  - { id: hk-auth, name: HK auth, kind: service, region: hk, checks: [hk-auth], depends_on: [hk-lb] }
  - { id: sg-lb, name: SG edge load balancer, kind: load_balancer, region: sg, checks: [sg-lb] }
  - { id: sg-api, name: SG orders API (backup), kind: api, region: sg, checks: [sg-api], depends_on: [sg-lb] }
  - { id: tyo-quotes, name: Tokyo quotes, kind: service, region: tyo, checks: [tyo-quotes], depends_on: [hk-api] }
  - { id: hk-dns, name: app.apac.demo zone, kind: dns_zone, region: hk, checks: [hk-dns] }
alerts:
  - name: ServerDown
    condition: down
    for: 10s
    severity: critical
    annotations: { summary: '{{ $labels.name }} is down' }
  # The SG backup slows during each scripted outage; over a short window the rule stays pending
  # rather than opening a warning that never closes while the demo cycles.
  - name: SlowResponses
    condition: latency
    stat: p95
    window: 1m
    above: 500ms
    for: 3m
    severity: warning
    annotations: { summary: '{{ $labels.name }}: p95 latency {{ $value }} ms' }
receivers:
  - { id: board, type: desktop }
notifications: { group_wait: 5s, group_interval: 30s, repeat_interval: 4h }
# A dry run: the demo records what it would do (no DNS server or webhook is contacted).
failover:
  policies:
    - id: hk-to-sg
      name: Hong Kong to Singapore (dry run)
      watch: { check: hk-lb }
      mode: dry_run
      record: { name: app.example.net, type: A, ttl: 60s }
      primary: 203.0.113.10
      backup: 198.51.100.20
      resolvers: [192.0.2.53]
      actions:
        - type: dns_update
          server: 192.0.2.53
          zone: example.net
          tsig: { key_name: knockon, secret_env: KNOCKON_DEMO_TSIG }
        - type: webhook
          url_env: KNOCKON_DEMO_SLACK_URL
      verify: { check: sg-lb }
      failback: { mode: automatic, rise: 3, hold: 20s }
      cooldown: 1m
`;
}
