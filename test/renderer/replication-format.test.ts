import { describe, expect, it } from 'vitest';
import { lagText, lagTrend } from '../../src/renderer/src/replication-format.ts';
import type { ProbeResult } from '../../src/shared/model.ts';

const result = (lagSeconds: number | null, lagBytes: number | null = null): ProbeResult => ({
  checkId: 'db-sg',
  startedAt: 0,
  ok: true,
  latencyMs: 1,
  errorClass: null,
  message: '',
  replication: { role: 'replica', lagSeconds, lagBytes },
});

describe('replication lag on the board', () => {
  it('prints seconds with a decimal under ten, and bytes in MiB when large', () => {
    expect(lagText(2.345, 512)).toBe('2.3 s · 512 B');
    expect(lagText(75.4, 3 * 1024 * 1024)).toBe('75 s · 3.0 MiB');
    expect(lagText(null, null)).toBe('—');
  });

  it('says whether lag rises or falls, newest result first', () => {
    expect(lagTrend([result(9), result(4), result(1)])).toBe(' ↑ rising');
    expect(lagTrend([result(0), result(4)])).toBe(' ↓ falling');
    expect(lagTrend([result(null, 10), result(null, 10)])).toBe(' → steady');
    expect(lagTrend([result(3)])).toBe('');
  });
});
