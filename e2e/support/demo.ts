import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoLab, type DemoLab } from '../../src/demo/lab.ts';
import { serve, type Served } from './serve.ts';

/**
 * The demo lab's topology, for as long as the built-in demo config has none: the Hong Kong load
 * balancer is the root cause, the services behind it and Tokyo's quotes (which read HK) its
 * knock-on effects, Singapore the healthy backup.
 */
const TOPOLOGY = `components:
  - { id: hk-lb, name: HK edge load balancer, kind: load_balancer, region: hk, checks: [hk-lb] }
  - { id: hk-api, name: HK orders API, kind: api, region: hk, checks: [hk-api], depends_on: [hk-lb] }
  - { id: hk-payments, name: HK payments, kind: service, region: hk, checks: [hk-payments], depends_on: [hk-lb] }
  - { id: hk-auth, name: HK auth, kind: service, region: hk, checks: [hk-auth], depends_on: [hk-lb] }
  - { id: sg-lb, name: SG edge load balancer, kind: load_balancer, region: sg, checks: [sg-lb] }
  - { id: sg-api, name: SG orders API, kind: api, region: sg, checks: [sg-api], depends_on: [sg-lb] }
  - { id: tyo-quotes, name: Tokyo quotes, kind: service, region: tyo, checks: [tyo-quotes], depends_on: [hk-api] }
alerts:
  - name: ServerDown
    condition: down
    for: 300ms
    severity: critical
    annotations: { summary: '{{ $labels.name }} is down' }
receivers:
  - { id: wall, type: desktop }
notifications: { group_wait: 500ms, group_interval: 500ms, repeat_interval: 1h }
`;

export interface DemoBoard {
  lab: DemoLab;
  served: Served;
  token: string;
  stop(): Promise<void>;
}

/**
 * The demo lab run by the test itself (no scripted outages: the test starts and ends the outage
 * with lab.setOutage), served by a real `knockon serve` with the demo config plus a topology.
 */
export async function demoBoard(extraArgs: string[] = []): Promise<DemoBoard> {
  const lab = await startDemoLab({ outageEveryMs: 0 });
  const dir = await mkdtemp(join(tmpdir(), 'knockon-e2e-demo-'));
  const configPath = join(dir, 'knockon.yaml');
  const text = /^components:/m.test(lab.configText) ? lab.configText : `${lab.configText}${TOPOLOGY}`;
  await writeFile(configPath, text);
  const token = 'e2e-token';
  let served: Served;
  try {
    served = await serve(['--config', configPath, '--data-dir', join(dir, 'data'), '--token', token, ...extraArgs]);
  } catch (error) {
    await lab.stop();
    throw error;
  }
  return {
    lab,
    served,
    token,
    stop: async () => {
      await served.stop();
      await lab.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
