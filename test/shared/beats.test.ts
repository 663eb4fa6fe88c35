import { describe, expect, it } from 'vitest';
import { addBeat, beatOf, describeBeats } from '../../src/shared/beats.ts';

describe('heartbeats: the latest results at a glance', () => {
  it('tells a success, a slow success, a failure and the observer’s own fault apart', () => {
    expect(beatOf({ ok: true, latencyMs: 20, errorClass: null }, 500)).toBe('u');
    expect(beatOf({ ok: true, latencyMs: 500, errorClass: null }, 500)).toBe('g');
    expect(beatOf({ ok: true, latencyMs: 20, errorClass: null, degraded: true }, null)).toBe('g');
    expect(beatOf({ ok: false, latencyMs: 0.8, errorClass: 'connect_refused' }, 500)).toBe('d');
    expect(beatOf({ ok: false, latencyMs: null, errorClass: 'probe_error' }, 500)).toBe('x');
    // A query Prometheus refuses says nothing about the target either: no red beat for it.
    expect(beatOf({ ok: false, latencyMs: 3, errorClass: 'config_error' }, 500)).toBe('x');
    expect(beatOf({ ok: false, latencyMs: null, errorClass: 'timeout', observerOffline: true }, 500)).toBe('x');
  });

  it('keeps the latest results only, oldest first', () => {
    let beats: string | undefined;
    for (let i = 0; i < 5; i++) beats = addBeat(beats, i < 3 ? 'u' : 'd', 4);
    expect(beats).toBe('uudd');
  });

  it('counts them for people and screen readers', () => {
    expect(describeBeats('uuugd')).toBe('3 up, 1 slow, 1 failed of the last 5 results');
  });
});
