import { describe, expect, it } from 'vitest';
import { backupStatus } from '../../../src/engine/failover/replica-readiness.ts';
import type { ProbeResult, ReplicationDetails } from '../../../src/shared/model.ts';
import { checkFrom } from '../../support/checks.ts';

const replica = checkFrom('postgres', { host: 'db-sg', role: 'replica', lag: { down: '30s' } });
const stopped = (replication: Partial<ReplicationDetails>): ProbeResult => ({
  checkId: 'c',
  startedAt: 0,
  ok: false,
  latencyMs: 5,
  errorClass: 'replication_stopped',
  message: 'not streaming from its primary',
  replication: { role: 'replica', lagSeconds: null, lagBytes: null, ...replication },
});

describe('a replica as the failover backup', () => {
  it('is a healthy backup when its primary is gone and its last lag was under lag.down', () => {
    expect(backupStatus(replica, 'down', stopped({ lagSeconds: 2, lagBytes: 0 }))).toBe('up');
  });

  it('is not when it had fallen behind, or its lag is unknown', () => {
    expect(backupStatus(replica, 'down', stopped({ lagSeconds: 45 }))).toBe('down');
    expect(backupStatus(replica, 'down', stopped({}))).toBe('down');
  });

  it('needs nothing left to replay when the check sets no limit', () => {
    const strict = checkFrom('postgres', { host: 'db-sg', role: 'replica' });
    expect(backupStatus(strict, 'down', stopped({ lagSeconds: 0, lagBytes: 0 }))).toBe('up');
    expect(backupStatus(strict, 'down', stopped({ lagSeconds: 0, lagBytes: 4096 }))).toBe('down');
  });

  it('leaves every other failure, and every other check type, as it is', () => {
    const refused = { ...stopped({ lagSeconds: 0 }), errorClass: 'connect_refused' as const };
    expect(backupStatus(replica, 'down', refused)).toBe('down');
    expect(backupStatus(checkFrom('tcp', { host: 'sg-lb', port: 443 }), 'down', stopped({ lagSeconds: 0 }))).toBe(
      'down',
    );
    expect(backupStatus(replica, 'up', null)).toBe('up');
  });
});
