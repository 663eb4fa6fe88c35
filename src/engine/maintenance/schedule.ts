/**
 * Which checks are in planned maintenance now, from the config's windows: a check is covered by
 * a window that names it, its component or its region. The engine asks `covers` when it shows a
 * status and re-reads the schedule at each window's start and end (`nextChange`).
 */
import type { Config } from '../../shared/config/schema.ts';
import type { MaintenanceWindow } from '../../shared/config/maintenance.ts';
import { activeSpan, nextChange } from './windows.ts';

export interface WindowChange {
  window: MaintenanceWindow;
  started: boolean;
  /** The checks it covers. */
  checks: string[];
  /** When the occurrence that started ends (for the notice), or null when it ended. */
  until: number | null;
}

/** Each window of the config with the checks it covers: named, through their component or their region. */
export function windowsWithChecks(
  config: Pick<Config, 'maintenance' | 'components' | 'checks'>,
): { window: MaintenanceWindow; checks: Set<string> }[] {
  const componentsOf = new Map(config.components.map((c) => [c.id, c.checks]));
  return (config.maintenance ?? []).map((window) => {
    const checks = new Set(window.checks);
    for (const c of window.components) for (const id of componentsOf.get(c) ?? []) checks.add(id);
    for (const check of config.checks) if (check.region && window.regions.includes(check.region)) checks.add(check.id);
    return { window, checks };
  });
}

export class MaintenanceSchedule {
  private windows: { window: MaintenanceWindow; checks: Set<string> }[] = [];
  /** The windows in force as of the last `refresh`, by id: kept across a reload. */
  private active = new Map<string, { window: MaintenanceWindow; checks: Set<string> }>();
  /** Check id → how many active windows cover it. */
  private covered = new Map<string, number>();

  /**
   * Takes a config's windows. What was in force stays in force until the next `refresh`, which
   * then reports the windows a reload ended (ended early from the board, or taken out of the
   * file) or started (added from the board) like any other edge.
   */
  configure(config: Config): void {
    this.windows = windowsWithChecks(config);
  }

  /** Whether a check is in maintenance as of the last `refresh`. */
  covers(checkId: string): boolean {
    return (this.covered.get(checkId) ?? 0) > 0;
  }

  /** The checks in maintenance now (a copy). */
  coveredIds(): Set<string> {
    return new Set(this.covered.keys());
  }

  /** Re-reads which windows are in force at `now`; returns those that started or ended. */
  refresh(now: number): WindowChange[] {
    const changes: WindowChange[] = [];
    const active = new Map<string, { window: MaintenanceWindow; checks: Set<string> }>();
    const covered = new Map<string, number>();
    for (const entry of this.windows) {
      const { window, checks } = entry;
      const span = activeSpan(window, now);
      if (span) {
        active.set(window.id, entry);
        for (const id of checks) covered.set(id, (covered.get(id) ?? 0) + 1);
      }
      if (Boolean(span) !== this.active.has(window.id)) {
        changes.push({ window, started: span !== null, checks: [...checks], until: span?.end ?? null });
      }
    }
    for (const [id, { window, checks }] of this.active) {
      const gone = !this.windows.some((w) => w.window.id === id);
      if (gone) changes.push({ window, started: false, checks: [...checks], until: null });
    }
    this.active = active;
    this.covered = covered;
    return changes;
  }

  /** The next time any window starts or ends, or null. */
  nextChange(now: number): number | null {
    let next: number | null = null;
    for (const { window } of this.windows) {
      const t = nextChange(window, now);
      if (t !== null && (next === null || t < next)) next = t;
    }
    return next;
  }
}
