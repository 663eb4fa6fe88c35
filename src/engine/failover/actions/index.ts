import type { FailoverActionConfig } from '../../../shared/config/failover.ts';
import { commandAction } from './command.ts';
import { dnsUpdateAction } from './dns-update.ts';
import { haproxyAction } from './haproxy.ts';
import { route53Action } from './route53.ts';
import type { FailoverAction } from './types.ts';
import { webhookAction } from './webhook.ts';

export function createAction(config: FailoverActionConfig): FailoverAction {
  switch (config.type) {
    case 'dns_update':
      return dnsUpdateAction(config);
    case 'route53':
      return route53Action(config);
    case 'haproxy':
      return haproxyAction(config);
    case 'webhook':
      return webhookAction(config);
    case 'command':
      return commandAction(config);
  }
}
