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

  it('never lets slowness explain an outage: a down component behind a degraded one is a root cause', () => {
    const result = analyseImpact([node('lb', 'degraded'), node('api', 'down', ['lb']), node('web', 'unknown', ['lb'])]);
    expect(result.role.get('api')).toBe('root_cause');
    expect(result.role.get('lb')).toBe('root_cause');
    expect(result.role.get('web')).toBe('healthy');
  });

  it('folds a slow region into its degraded edge: one root cause, the rest impacted by it', () => {
    const result = analyseImpact([
      node('edge', 'degraded'),
      node('api', 'degraded', ['edge']),
      node('auth', 'degraded', ['edge']),
      node('quotes', 'degraded', ['api']),
      node('web', 'up', ['edge']),
    ]);
    expect(result.rootCauses).toEqual(['edge']);
    expect(['api', 'auth', 'quotes'].map((id) => result.impactedBy.get(id))).toEqual([['edge'], ['edge'], ['edge']]);
    expect(result.role.get('web')).toBe('healthy');
  });

  it('names the outage, not the slowness, when a degraded component has both upstream', () => {
    const result = analyseImpact([node('db', 'down'), node('lb', 'degraded'), node('api', 'degraded', ['lb', 'db'])]);
    expect(result.impactedBy.get('api')).toEqual(['db']);
    expect(result.rootCauses).toEqual(['db', 'lb']);
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
