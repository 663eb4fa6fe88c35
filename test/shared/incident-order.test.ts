import { describe, expect, it } from 'vitest';
import { compareIncidents, describeRest } from '../../src/shared/incident-order.ts';
import type { IncidentView, Severity } from '../../src/shared/model.ts';

const incident = (id: string, severity: Severity, openedAt: number, impacted = 0, state = 'open'): IncidentView =>
  ({
    id,
    severity,
    openedAt,
    state,
    impacted: Array.from({ length: impacted }, (_, i) => ({
      kind: 'component',
      id: `c${i}`,
      name: `c${i}`,
      region: null,
    })),
  }) as unknown as IncidentView;

describe('incident order', () => {
  it('puts a critical before newer warnings, then the wider blast radius, then the newest', () => {
    const list = [
      incident('warn-new', 'warning', 500),
      incident('crit-small', 'critical', 100, 1),
      incident('resolved-crit', 'critical', 900, 9, 'resolved'),
      incident('crit-wide', 'critical', 50, 7),
      incident('warn-old', 'warning', 200),
      incident('crit-small-newer', 'critical', 300, 1),
    ];
    expect([...list].sort(compareIncidents).map((i) => i.id)).toEqual([
      'crit-wide',
      'crit-small-newer',
      'crit-small',
      'warn-new',
      'warn-old',
      'resolved-crit',
    ]);
  });

  it('says what a compact list leaves out, by severity', () => {
    const rest = [incident('a', 'warning', 1), incident('b', 'warning', 2), incident('c', 'critical', 3)];
    expect(describeRest(rest)).toBe('+ 1 critical, 2 warnings');
    expect(describeRest([])).toBeNull();
  });
});
