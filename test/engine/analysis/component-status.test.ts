import { describe, expect, it } from 'vitest';
import { componentStatus } from '../../../src/engine/analysis/component-status.ts';

describe('component status from its checks', () => {
  it('with "all", is up only when every check is up, and down as soon as one is down', () => {
    expect(componentStatus('all', ['up', 'up'])).toBe('up');
    expect(componentStatus('all', ['up', 'down'])).toBe('down');
  });

  it('with "any", stays up (degraded: redundancy lost) while one check is up', () => {
    expect(componentStatus('any', ['down', 'up'])).toBe('degraded');
    expect(componentStatus('any', ['down', 'down'])).toBe('down');
  });

  it('with at_least k, is up with k serving checks and down below', () => {
    expect(componentStatus({ at_least: 2 }, ['up', 'degraded', 'down'])).toBe('degraded');
    expect(componentStatus({ at_least: 2 }, ['up', 'up', 'up'])).toBe('up');
    expect(componentStatus({ at_least: 2 }, ['up', 'down', 'down'])).toBe('down');
  });

  it('is unknown when the answer depends on checks not probed yet, and down when they could not save it', () => {
    expect(componentStatus('all', ['up', 'unknown'])).toBe('unknown');
    expect(componentStatus('all', ['down', 'unknown'])).toBe('down');
    expect(componentStatus('any', ['unknown', 'down'])).toBe('unknown');
    expect(componentStatus('any', ['unknown', 'up'])).toBe('up');
  });

  it('counts a degraded check as serving, but says the component is degraded', () => {
    expect(componentStatus('all', ['up', 'degraded'])).toBe('degraded');
  });

  it('is in maintenance only when every check is, and unknown without checks', () => {
    expect(componentStatus('all', ['maintenance', 'maintenance'])).toBe('maintenance');
    expect(componentStatus('all', ['maintenance', 'up'])).toBe('unknown');
    expect(componentStatus('all', [])).toBe('unknown');
  });
});
