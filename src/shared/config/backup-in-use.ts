import { z } from 'zod';
import { id } from './common.ts';
import { EXACTLY_ONE_MATCH, hasOneMatch, headerMatchFields, headerName } from './header-match.ts';

/**
 * A load balancer's own word on which upstream answered (nginx's `backup` server setting a
 * header such as X-Upstream): the backup is in use while the last successful probe of `check`
 * carried `header` matching.
 */
export const backupInUseSchema = z
  .strictObject({ check: id, header: headerName, ...headerMatchFields })
  .refine(hasOneMatch, EXACTLY_ONE_MATCH);

export type BackupInUseConfig = z.output<typeof backupInUseSchema>;

interface Issue {
  path: (string | number)[];
  message: string;
}

/** Only a load balancer serves from a backup, and only an http check of its own can say so. */
export function backupInUseIssues(
  component: { kind: string; checks: string[]; backup_in_use?: BackupInUseConfig },
  index: number,
  checkTypes: ReadonlyMap<string, string>,
): Issue[] {
  const rule = component.backup_in_use;
  if (!rule) return [];
  const at = (field: string) => ['components', index, 'backup_in_use', field];
  const issues: Issue[] = [];
  if (component.kind !== 'load_balancer') {
    issues.push({
      path: at('check').slice(0, 3),
      message: 'backup_in_use applies to components of kind load_balancer',
    });
  }
  if (!component.checks.includes(rule.check)) {
    issues.push({ path: at('check'), message: `"${rule.check}" is not one of this component's checks` });
  } else if (checkTypes.has(rule.check) && checkTypes.get(rule.check) !== 'http') {
    issues.push({ path: at('check'), message: `"${rule.check}" is not an http check: only http sees headers` });
  }
  return issues;
}
