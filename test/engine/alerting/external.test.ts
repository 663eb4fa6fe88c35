import { describe, expect, it } from 'vitest';
import { ExternalAlerts, type ExternalAlert } from '../../../src/engine/alerting/external.ts';

const alert = (fingerprint: string, endsAt: number | null, firing = true): ExternalAlert => ({
  fingerprint,
  name: 'HighLatency',
  component: 'hk-api',
  severity: 'warning',
  labels: {},
  annotations: {},
  firing,
  endsAt,
});

describe('alerts raised outside Knockon', () => {
  it('know when the next one expires, as alerts come, pass and go', () => {
    const held = new ExternalAlerts();
    expect(held.nextExpiry(0)).toBeNull();
    held.apply([alert('a', 100)]);
    expect(held.nextExpiry(0)).toBe(100);
    held.apply([alert('b', 50)]);
    expect(held.nextExpiry(0)).toBe(50);
    // b's end has passed (not yet forgotten): the next is a's.
    expect(held.nextExpiry(60)).toBe(100);
    held.apply([alert('a', 300)]);
    expect(held.nextExpiry(60)).toBe(300);
    // A full evaluation forgets what ended; then nothing is due.
    held.candidates(400, () => true);
    expect(held.size).toBe(0);
    expect(held.nextExpiry(400)).toBeNull();
    held.apply([alert('c', null)]);
    expect(held.nextExpiry(400)).toBeNull();
  });
});
