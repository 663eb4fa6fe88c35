/**
 * Drives the knock-on module directly, as the engine would after each probe, on a fake clock:
 * the tests set a check's status and the module reacts. The probes and the network are covered by
 * the scenario test; here time is exact.
 */
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { initialView, resolveChecks, type ResolvedCheck } from '../../../src/engine/checks.ts';
import type { BoardPart } from '../../../src/engine/engine.ts';
import { MemoryIncidentRepository, type IncidentRepository } from '../../../src/engine/incidents/repository.ts';
import { KnockOnModule } from '../../../src/engine/incidents/module.ts';
import { RpcRegistry } from '../../../src/engine/rpc.ts';
import { INITIAL_STATE } from '../../../src/engine/status.ts';
import type { BoardSnapshot, IncidentView, Notice, ProbeResult, Status } from '../../../src/shared/model.ts';
import { FakeClock } from '../../support/fake-clock.ts';

export class Harness {
  readonly clock: FakeClock;
  readonly repository: IncidentRepository;
  readonly rpc = new RpcRegistry();
  readonly published: BoardPart[] = [];
  readonly notices: Notice[] = [];
  readonly logs: string[] = [];
  /** Incidents published before they were written. */
  readonly unsaved: string[] = [];
  readonly module: KnockOnModule;
  private readonly checks: ResolvedCheck[];
  private readonly statuses = new Map<string, Status>();

  constructor(
    yaml: string,
    options: {
      repository?: IncidentRepository;
      env?: Record<string, string>;
      /** Durable module state (a map standing in for the store's saveState/loadState). */
      state?: Map<string, unknown>;
      /** Statuses known at start (the engine restores the last known ones after a restart). */
      statuses?: Record<string, Status>;
      start?: number;
      /** The clock, when the repository needs it too (a StoreClient). */
      clock?: FakeClock;
    } = {},
  ) {
    this.clock = options.clock ?? new FakeClock(options.start);
    for (const [id, status] of Object.entries(options.statuses ?? {})) this.statuses.set(id, status);
    const state = options.state;
    const outcome = parseConfigText(yaml, 'test.yaml');
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
    this.checks = resolveChecks(outcome.config);
    this.repository = options.repository ?? new MemoryIncidentRepository();
    this.module = new KnockOnModule({
      clock: this.clock,
      repository: this.repository,
      publish: (part) => {
        // Written before shown: whatever is published must already be in the repository.
        for (const view of part.incidents ?? []) {
          const stored = this.repository.loadIncidents({ limit: 1000 }).find((i) => i.id === view.id);
          if (!stored || stored.events.length !== view.events.length || stored.state !== view.state) {
            this.unsaved.push(view.id);
          }
        }
        this.published.push(part);
      },
      notify: (notice) => this.notices.push(notice),
      checkViews: () => this.checks.map((c) => ({ ...initialView(c), status: this.statuses.get(c.id) ?? 'unknown' })),
      rpc: this.rpc,
      env: options.env ?? {},
      log: (level, message) => this.logs.push(`${level}: ${message}`),
      ...(state && {
        state: {
          saveState: (key: string, value: unknown) => void state.set(key, structuredClone(value)),
          loadState: <T>(key: string) => (state.get(key) as T | undefined) ?? null,
        },
      }),
    });
    this.module.onConfig(outcome.config, this.checks);
  }

  /** A result that leaves the check in `status`. */
  result(id: string, status: Status, extra: Partial<ProbeResult> = {}): void {
    const check = this.checks.find((c) => c.id === id)!;
    this.statuses.set(id, status);
    const ok = status !== 'down';
    const result: ProbeResult = {
      checkId: id,
      startedAt: this.clock.now(),
      ok,
      latencyMs: ok ? 10 : null,
      errorClass: ok ? null : 'connect_refused',
      message: ok ? 'HTTP 200' : 'connection refused',
      ...extra,
    };
    const state = { ...INITIAL_STATE, status, since: this.clock.now() };
    this.module.onCheckUpdate({
      check,
      result,
      vantage: 'local',
      evidence: result,
      previous: INITIAL_STATE,
      state,
      own: state,
      view: { ...initialView(check), status },
      now: this.clock.now(),
    });
  }

  board(): BoardSnapshot {
    const board = { components: [], incidents: [], vantage: null } as unknown as BoardSnapshot;
    this.module.contribute(board);
    return board;
  }

  incidents(): IncidentView[] {
    return this.board().incidents;
  }

  open(): IncidentView[] {
    return this.incidents().filter((i) => i.state === 'open');
  }
}

export const CHECKS = `checks:
  - { id: lb, type: http, url: http://127.0.0.1:1/ }
  - { id: api, type: http, url: http://127.0.0.1:2/ }
  - { id: auth, type: http, url: http://127.0.0.1:3/ }
  - { id: quotes, type: http, url: http://127.0.0.1:4/ }
  - { id: gw, type: http, url: http://127.0.0.1:5/ }
`;

export const TOPOLOGY = `${CHECKS}regions:
  - { id: hk, name: Hong Kong, lat: 22.3, lon: 114.2 }
  - { id: tyo, name: Tokyo, lat: 35.7, lon: 139.7 }
components:
  - { id: lb, name: HK LB, kind: load_balancer, region: hk, checks: [lb] }
  - { id: api, name: HK API, kind: api, region: hk, checks: [api], depends_on: [lb] }
  - { id: auth, name: HK auth, region: hk, checks: [auth], depends_on: [lb] }
  - { id: quotes, name: Tokyo quotes, region: tyo, checks: [quotes], depends_on: [api] }
`;
