import { describe, expect, it } from 'vitest';
import { lagText, lagTrend, replicationLinkLabel } from '../../src/renderer/src/replication-format.ts';
import type { ErrorClass, ProbeResult, ReplicationDetails } from '../../src/shared/model.ts';

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

describe('replication links on the map', () => {
  const view = (type: string, replication: ReplicationDetails | null, errorClass: ErrorClass | null = null) => ({
    type,
    errorClass,
    details: replication ? { replication } : undefined,
  });
  const checks = new Map([
    ['db-hk', view('postgres', { role: 'primary', lagSeconds: null, lagBytes: null })],
    ['db-sg', view('postgres', { role: 'replica', lagSeconds: 2.3, lagBytes: 512 })],
    ['db-tyo', view('postgres', { role: 'replica', lagSeconds: 41, lagBytes: 9000 })],
    ['cache-sg', view('redis', { role: 'replica', lagSeconds: null, lagBytes: 0 })],
    ['api-sg', view('http', null)],
  ]);

  it('carries the lag of the replica that replicates from the component depended on, the worst first', () => {
    expect(replicationLinkLabel({ checks: ['db-sg'] }, { checks: ['db-hk'] }, checks)).toBe('lag 2.3 s · 512 B');
    expect(replicationLinkLabel({ checks: ['db-sg', 'db-tyo'] }, { checks: ['db-hk'] }, checks)).toBe(
      'lag 41 s · 9000 B',
    );
  });

  it('says when replication stopped, and says nothing on a link that is not replication', () => {
    const stopped = new Map(checks).set(
      'db-sg',
      view('postgres', { role: 'replica', lagSeconds: null, lagBytes: null }, 'replication_stopped'),
    );
    expect(replicationLinkLabel({ checks: ['db-sg'] }, { checks: ['db-hk'] }, stopped)).toBe('replication stopped');
    expect(replicationLinkLabel({ checks: ['api-sg'] }, { checks: ['db-hk'] }, checks)).toBeNull();
    // A Redis replica does not replicate from a PostgreSQL primary.
    expect(replicationLinkLabel({ checks: ['cache-sg'] }, { checks: ['db-hk'] }, checks)).toBeNull();
  });
});
