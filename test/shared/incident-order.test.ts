import { describe, expect, it } from 'vitest';
import { compareIncidents, describeRest, splitForRoom } from '../../src/shared/incident-order.ts';
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

  it('never compacts a critical away: the room grows to hold every one', () => {
    const sorted = [
      incident('c1', 'critical', 1),
      incident('c2', 'critical', 2),
      incident('c3', 'critical', 3),
      incident('w1', 'warning', 4),
      incident('w2', 'warning', 5),
    ].sort(compareIncidents);
    expect(splitForRoom(sorted, 2).shown.map((i) => i.id)).toEqual(['c3', 'c2', 'c1']);
    expect(describeRest(splitForRoom(sorted, 2).rest)).toBe('+ 2 warnings');
    expect(splitForRoom(sorted, 4).rest.map((i) => i.id)).toEqual(['w1']);
  });
});
