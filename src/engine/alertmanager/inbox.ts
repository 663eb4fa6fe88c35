/**
 * Alertmanager's alerts into the board: the webhook door's engine side. Checks the caller's
 * credentials (alertmanager_in: a bearer token or basic auth, as Alertmanager's http_config
 * sends them) in constant time, parses the body (webhook-schema.ts), maps each alert to a
 * component by its labels, and hands the batch to the knock-on analysis, where each becomes an
 * alert on its component. Never throws: every outcome is an HTTP status and a body, and an
 * alert that names no known component is counted and logged, not retried forever.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AlertmanagerInConfig } from '../../shared/config/alertmanager.ts';
import type { Config } from '../../shared/config/schema.ts';
import type { Severity } from '../../shared/model.ts';
import type { AgentSyncOutcome, RpcParams } from '../../shared/rpc.ts';
import { renderTemplate } from '../../shared/template.ts';
import type { ExternalAlert } from '../alerting/external.ts';
import type { Clock } from '../clock.ts';
import type { EngineModule } from '../engine.ts';
import { authorizationHeader } from '../http-credentials.ts';
import { RepeatedErrors } from '../repeated-errors.ts';
import type { RpcRegistry } from '../rpc.ts';
import { webhookSchema, webhookTime, type WebhookAlert } from './webhook-schema.ts';

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface InboxOptions {
  clock: Clock;
  rpc: RpcRegistry;
  log: Log;
  /** The knock-on analysis (KnockOnModule.receiveExternal); returns how many were refused. */
  receive: (batch: readonly ExternalAlert[]) => number;
  env?: Readonly<Record<string, string | undefined>>;
}

const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

export class AlertmanagerInbox implements EngineModule {
  readonly name = 'alertmanager-in';
  private config: AlertmanagerInConfig | null = null;
  private components = new Set<string>();
  private readonly options: InboxOptions;
  private readonly errors: RepeatedErrors;

  constructor(options: InboxOptions) {
    this.options = options;
    this.errors = new RepeatedErrors(options.clock, options.log);
    options.rpc.register('alertmanager.webhook', (params) => this.webhook(params));
  }

  onConfig(config: Config): void {
    this.config = config.alertmanager_in ?? null;
    this.components = new Set(config.components.map((c) => c.id));
  }

  webhook(params: RpcParams<'alertmanager.webhook'>): AgentSyncOutcome {
    try {
      return this.handle(params);
    } catch (error) {
      this.errors.reportError('alertmanager:webhook', 'alertmanager webhook failed', error);
      return { status: 500, body: { error: 'the webhook could not be handled; it is logged' } };
    }
  }

  private handle({ authorization, body }: RpcParams<'alertmanager.webhook'>): AgentSyncOutcome {
    const config = this.config;
    if (!config) return { status: 404, body: { error: 'this board takes no Alertmanager webhook (alertmanager_in)' } };
    const expected = authorizationHeader(config, this.options.env ?? process.env);
    if (!expected.ok) {
      this.errors.report('unset', `alertmanager webhook refused: environment variable ${expected.missing} is not set`);
      return { status: 503, body: { error: 'the board has no credentials configured for this webhook' } };
    }
    if (!sameSecret(authorization, expected.header ?? '')) {
      this.errors.report('401', 'alertmanager webhook refused: wrong or missing credentials');
      return { status: 401, body: { error: 'wrong or missing credentials' } };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(body);
    } catch {
      return { status: 400, body: { error: 'the body is not JSON' } };
    }
    const parsed = webhookSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const message = `${issue.path.join('.') || 'body'}: ${issue.message}`;
      this.errors.report('400', `alertmanager webhook refused: ${message}`);
      return { status: 400, body: { error: message } };
    }
    const batch: ExternalAlert[] = [];
    const unmapped: string[] = [];
    for (const alert of parsed.data.alerts) {
      const mapped = this.toExternal(alert, config);
      if (mapped) batch.push(mapped);
      else unmapped.push(alert.labels.alertname ?? '(no alertname)');
    }
    if (unmapped.length > 0) {
      this.errors.report(
        'unmapped',
        `alertmanager: ${unmapped.length} alert(s) name no known component (${unmapped.slice(0, 3).join(', ')}); see alertmanager_in.component`,
      );
    }
    const refused = batch.length > 0 ? this.options.receive(batch) : 0;
    // 200 even with unmapped alerts: Alertmanager would resend them forever, and they stay unmapped.
    return { status: 200, body: { accepted: batch.length - refused, unmapped: unmapped.length, refused } };
  }

  private toExternal(alert: WebhookAlert, config: AlertmanagerInConfig): ExternalAlert | null {
    const component = componentOf(alert.labels, config);
    if (!this.components.has(component)) return null;
    const severity = alert.labels[config.severity_label];
    return {
      fingerprint: alert.fingerprint ?? fingerprintOf(alert.labels),
      name: alert.labels.alertname ?? 'Alertmanager',
      component,
      severity: SEVERITIES.includes(severity as Severity) ? (severity as Severity) : 'warning',
      labels: alert.labels,
      annotations: alert.annotations,
      firing: alert.status === 'firing',
      endsAt: alert.status === 'firing' ? webhookTime(alert.endsAt) : null,
    };
  }
}

/** The routes first (every label equal), then the template. */
export function componentOf(labels: Readonly<Record<string, string>>, config: AlertmanagerInConfig): string {
  const route = config.routes.find((r) => Object.entries(r.match).every(([k, v]) => labels[k] === v));
  return route ? route.component : renderTemplate(config.component, { $labels: labels }).trim();
}

function fingerprintOf(labels: Readonly<Record<string, string>>): string {
  const text = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Constant time whatever the lengths: both sides hashed first. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && expected !== '';
}
