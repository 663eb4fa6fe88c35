import { describe, expect, it } from 'vitest';
import type { Notice } from '../../src/shared/model.ts';
import { groupToast } from '../../src/renderer/src/toast-group.ts';

const notice = (id: string, severity: Notice['severity'], title: string): Notice => ({
  id,
  title,
  body: '',
  severity,
  incidentId: id,
});

describe('grouped toasts', () => {
  it('makes one toast of a burst, counted by severity, the worst first and in its tone', () => {
    const toast = groupToast([
      notice('a', 'warning', 'Frankfurt search is degraded'),
      notice('b', 'critical', 'London edge load balancer is down'),
      notice('c', 'warning', 'Tokyo auth is degraded'),
      notice('d', 'info', 'Sydney cache resolved'),
    ]);
    expect(toast.title).toBe('4 notices: 1 critical, 2 warnings, 1 update');
    expect(toast.body.startsWith('London edge load balancer is down')).toBe(true);
    expect(toast.tone).toBe('critical');
  });
});
