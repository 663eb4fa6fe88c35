import { describe, expect, it } from 'vitest';
import { analyseImpact, blastRadius, type ImpactNode } from '../../../src/engine/analysis/impact.ts';

const node = (id: string, status: ImpactNode['status'], dependsOn: string[] = []): ImpactNode => ({
  id,
  status,
  dependsOn,
});

describe('impact analysis', () => {
  it('marks a down component with a down dependency impacted and the dependency the root cause', () => {
    const result = analyseImpact([node('lb', 'down'), node('api', 'down', ['lb']), node('web', 'up', ['lb'])]);
    expect(result.rootCauses).toEqual(['lb']);
    expect(result.role.get('api')).toBe('impacted');
    expect(result.impactedBy.get('api')).toEqual(['lb']);
    expect(result.role.get('web')).toBe('healthy');
  });

  it('traces impact through several levels and across a component that is still up', () => {
    const result = analyseImpact([node('lb', 'down'), node('api', 'up', ['lb']), node('quotes', 'down', ['api'])]);
    expect(result.role.get('quotes')).toBe('impacted');
    expect(result.impactedBy.get('quotes')).toEqual(['lb']);
  });

  it('finds two independent root causes, and lists both for a component downstream of each', () => {
    const result = analyseImpact([node('lb', 'down'), node('db', 'down'), node('api', 'down', ['lb', 'db'])]);
    expect(result.rootCauses).toEqual(['db', 'lb']);
    expect(result.impactedBy.get('api')).toEqual(['db', 'lb']);
  });

  it('does not propagate degraded or unknown: they are not outages', () => {
    const result = analyseImpact([node('lb', 'degraded'), node('api', 'down', ['lb'])]);
    expect(result.role.get('api')).toBe('root_cause');
  });

  it('survives a cycle and unknown ids without hanging', () => {
    const result = analyseImpact([node('a', 'down', ['b', 'ghost']), node('b', 'down', ['a'])]);
    // The config refuses cycles; here it only matters that every component still gets a role.
    expect(result.role.size).toBe(2);
    expect([...result.role.values()].every((role) => role !== 'healthy')).toBe(true);
  });

  it('computes the blast radius as every transitive dependent, never the component itself', () => {
    const nodes = [
      node('lb', 'down'),
      node('api', 'up', ['lb']),
      node('auth', 'up', ['lb']),
      node('tyo-quotes', 'up', ['api']),
      node('sg-api', 'up', []),
    ];
    expect(blastRadius('lb', nodes)).toEqual(['api', 'auth', 'tyo-quotes']);
    expect(blastRadius('api', nodes)).toEqual(['tyo-quotes']);
    expect(blastRadius('sg-api', nodes)).toEqual([]);
  });
});
