/**
 * Sends incidents to receivers with Alertmanager's timing (see grouping.ts). Each send runs in
 * the background, bounded (timeouts, retries with back-off), and its outcome is recorded in the
 * incident's timeline.
 */
import type { ReceiverConfig } from '../../shared/config/alerts.ts';
import type { IncidentEvent, IncidentView, Notice, Severity } from '../../shared/model.ts';
import type { Clock } from '../clock.ts';
import { postJson, type DeliveryOptions, type DeliveryOutcome } from './deliver.ts';
import { afterSend, decide, NEW_GROUP, type GroupState, type GroupTiming } from './grouping.ts';
import { desktopNotice, pagerDutyEvent, slackMessage, webhookMessage, type NotifyAction } from './messages.ts';
import { pagerDutyAnnouncement, slackAnnouncement, webhookAnnouncement, type Announcement } from './announce.ts';
import { Alarm } from '../alarm.ts';
import { authorizationHeader } from '../http-credentials.ts';
import { alertmanagerAlerts } from './alertmanager-message.ts';

const SEVERITY_RANK: Record<Severity, number> = { info: 1, warning: 2, critical: 3 };
/** How long stop() waits for sends in flight. */
const STOP_GRACE_MS = 3_000;

export interface NotifierOptions {
  clock: Clock;
  /** Where `url_env` and `routing_key_env` are looked up, at send time. */
  env: Readonly<Record<string, string | undefined>>;
  showNotice: (notice: Notice) => void;
  record: (incidentId: string, event: IncidentEvent) => void;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /**
   * Where what was sent survives a restart, so a restarted engine neither repeats a message
   * early nor forgets to send the resolved one.
   */
  persist?: {
    save(groups: [string, GroupState][]): void;
    load(): [string, GroupState][] | null;
    /** Runs `send` once what was saved is written (the store's afterWritten); at once without it. */
    written?(send: () => void): void;
  };
}

export class Notifier {
  private readonly options: NotifierOptions;
  private receivers: ReceiverConfig[] = [];
  private timing: GroupTiming = { groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000 };
  private readonly incidents = new Map<string, IncidentView>();
  private readonly groups = new Map<string, GroupState>();
  private readonly alarm: Alarm;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private sequence = 0;
  /** Messages handed to receivers since start, by receiver and outcome (for /metrics). */
  private readonly outcomes = new Map<
    string,
    { receiver: string; type: string; outcome: 'sent' | 'failed'; count: number }
  >();

  constructor(options: NotifierOptions) {
    this.options = options;
    this.alarm = new Alarm(options.clock, () => this.run());
    try {
      for (const [key, group] of options.persist?.load() ?? []) this.groups.set(key, group);
    } catch (error) {
      options.log('warn', `notification state could not be restored: ${String(error)}`);
    }
  }

  configure(receivers: readonly ReceiverConfig[], timing: GroupTiming): void {
    this.receivers = [...receivers];
    this.timing = timing;
    for (const r of receivers) {
      const name =
        r.type === 'slack'
          ? r.url_env
          : r.type === 'webhook'
            ? r.url_env
            : r.type === 'pagerduty'
              ? r.routing_key_env
              : undefined;
      if (name !== undefined && !this.options.env[name]) {
        this.options.log('warn', `receiver ${r.id}: environment variable ${name} is not set; its messages will fail`);
      }
    }
    this.run();
  }

  /** The latest views of incidents that changed. */
  update(incidents: readonly IncidentView[]): void {
    for (const incident of incidents) this.incidents.set(incident.id, incident);
    this.run();
  }

  /** Messages handed to receivers since start, by receiver and outcome. */
  counts(): { receiver: string; type: string; outcome: 'sent' | 'failed'; count: number }[] {
    return [...this.outcomes.values()].map((o) => ({ ...o }));
  }

  private count(receiver: ReceiverConfig, ok: boolean): void {
    const outcome = ok ? 'sent' : 'failed';
    const key = `${receiver.id}\u0000${outcome}`;
    const entry = this.outcomes.get(key) ?? { receiver: receiver.id, type: receiver.type, outcome, count: 0 };
    entry.count++;
    this.outcomes.set(key, entry);
  }

  /** An engineer acknowledged: receivers that track acknowledgement (PagerDuty) are told at once. */
  acknowledged(incident: IncidentView): void {
    this.incidents.set(incident.id, incident);
    for (const receiver of this.receivers) {
      if (receiver.type !== 'pagerduty') continue;
      if (this.groups.get(groupKey(incident.id, receiver.id))?.sentSignature == null) continue;
      this.dispatch(receiver, incident, 'acknowledged');
    }
  }

  /**
   * Tells the announcement's receivers at once (see announce.ts). Desktop receivers are skipped:
   * the module that announces raises its own native notice.
   */
  announce(a: Announcement): void {
    if (this.abort.signal.aborted) return;
    for (const receiver of this.receivers) {
      if (a.receivers && !a.receivers.includes(receiver.id)) continue;
      // Alertmanager takes alerts, not one-off messages: its users see announcements on the board.
      if (receiver.type === 'desktop' || receiver.type === 'alertmanager') continue;
      if (SEVERITY_RANK[a.severity] < SEVERITY_RANK[receiver.min_severity]) continue;
      this.track(
        this.post(receiver, (url) => {
          if (receiver.type === 'slack') return [url, slackAnnouncement(a)];
          if (receiver.type === 'pagerduty') return [receiver.url, pagerDutyAnnouncement(a, url)];
          return [url, webhookAnnouncement(a)];
        }).then((outcome) => this.recordAnnouncement(receiver, a, outcome)),
      );
    }
  }

  async stop(): Promise<void> {
    this.alarm.cancel();
    this.abort.abort();
    let grace: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => (grace = setTimeout(resolve, STOP_GRACE_MS))),
    ]);
    clearTimeout(grace);
  }

  /** Sends what is due and sets the timer for the next decision. */
  private run(): void {
    if (this.abort.signal.aborted) return;
    const now = this.options.clock.now();
    let next: number | null = null;
    let changed = false;
    const due: (() => void)[] = [];
    for (const [id, incident] of this.incidents) {
      let pending = false;
      for (const receiver of this.receivers) {
        const key = groupKey(id, receiver.id);
        const group = this.groups.get(key) ?? NEW_GROUP;
        const view = {
          state: incident.state,
          openedAt: incident.openedAt,
          severity: incident.severity,
          silencedUntil: incident.silencedUntil ?? null,
        };
        const options = {
          sendResolved: receiver.send_resolved,
          eligible: SEVERITY_RANK[incident.severity] >= SEVERITY_RANK[receiver.min_severity],
        };
        let decision = decide(group, view, this.timing, options, now);
        if (decision.send) {
          const sent = afterSend(group, view, decision.send, now);
          this.groups.set(key, sent);
          changed = true;
          const action = decision.send;
          due.push(() => this.dispatch(receiver, incident, action));
          decision = decide(sent, view, this.timing, options, now);
        }
        if (decision.nextAt !== null) {
          pending = true;
          next = next === null ? decision.nextAt : Math.min(next, decision.nextAt);
        }
      }
      if (!pending && incident.state === 'resolved') {
        this.incidents.delete(id);
        for (const receiver of this.receivers) changed = this.groups.delete(groupKey(id, receiver.id)) || changed;
      }
    }
    if (changed) this.persist();
    // Sent once the groups saying they were sent are written: a restart never sends them twice.
    if (due.length > 0) {
      const send = () => due.forEach((dispatch) => dispatch());
      if (this.options.persist?.written) this.options.persist.written(send);
      else send();
    }
    this.schedule(next);
  }

  private persist(): void {
    try {
      this.options.persist?.save([...this.groups]);
    } catch (error) {
      this.options.log('warn', `notification state could not be saved: ${String(error)}`);
    }
  }

  private schedule(at: number | null): void {
    this.alarm.set(at);
  }

  private dispatch(receiver: ReceiverConfig, incident: IncidentView, action: NotifyAction): void {
    if (receiver.type === 'desktop') {
      this.options.showNotice(desktopNotice(incident, action, ++this.sequence));
      this.recordOutcome(receiver, incident.id, action, { ok: true, attempts: 1, status: null, error: null });
      return;
    }
    if (receiver.type === 'alertmanager') {
      this.track(
        this.postToAlertmanager(receiver, incident, action).then((o) =>
          this.recordOutcome(receiver, incident.id, action, o),
        ),
      );
      return;
    }
    this.track(
      this.post(receiver, (secret) => {
        if (receiver.type === 'slack') return [secret, slackMessage(incident, action)];
        if (receiver.type === 'pagerduty') return [receiver.url, pagerDutyEvent(incident, action, secret)];
        return [secret, webhookMessage(incident, action)];
      }).then((outcome) => this.recordOutcome(receiver, incident.id, action, outcome)),
    );
  }

  private track(task: Promise<void>): void {
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  /**
   * Posts to a network receiver, bounded by its timeout and attempts. `build` gets the receiver's
   * secret (the URL for Slack and webhooks, the routing key for PagerDuty) and says where to post what.
   */
  private async post(
    receiver: Exclude<ReceiverConfig, { type: 'desktop' | 'alertmanager' }>,
    build: (secret: string) => [url: string, body: unknown],
  ): Promise<DeliveryOutcome> {
    const name =
      receiver.type === 'pagerduty'
        ? receiver.routing_key_env
        : receiver.type === 'webhook'
          ? (receiver.url_env ?? 'url')
          : receiver.url_env;
    const secret =
      receiver.type === 'webhook'
        ? (receiver.url ?? (receiver.url_env ? this.options.env[receiver.url_env] : undefined))
        : this.options.env[name];
    if (!secret) return missing(name);
    try {
      const [url, body] = build(secret);
      return await postJson(url, body, this.delivery(receiver));
    } catch (error) {
      return { ok: false, attempts: 1, status: null, error: String(error) };
    }
  }

  /** POST /api/v2/alerts with the receiver's credentials (read now, so a rotated secret is used). */
  private async postToAlertmanager(
    receiver: Extract<ReceiverConfig, { type: 'alertmanager' }>,
    incident: IncidentView,
    action: NotifyAction,
  ): Promise<DeliveryOutcome> {
    const auth = authorizationHeader(receiver, this.options.env);
    if (!auth.ok) return missing(auth.missing);
    const now = this.options.clock.now();
    const validFor = this.timing.repeatIntervalMs + this.timing.groupIntervalMs;
    const body = alertmanagerAlerts(incident, action, receiver.labels, now, validFor);
    return postJson(`${receiver.url.replace(/\/+$/, '')}/api/v2/alerts`, body, {
      ...this.delivery(receiver),
      headers: auth.header ? { authorization: auth.header } : {},
    });
  }

  /** A receiver's bounds on one delivery: its timeout, attempts and back-off. */
  private delivery(receiver: Exclude<ReceiverConfig, { type: 'desktop' }>): DeliveryOptions {
    return {
      timeoutMs: receiver.timeout,
      maxAttempts: receiver.max_attempts,
      backoffMs: receiver.backoff,
      clock: this.options.clock,
      signal: this.abort.signal,
    };
  }

  private recordAnnouncement(receiver: ReceiverConfig, a: Announcement, outcome: DeliveryOutcome): void {
    this.count(receiver, outcome.ok);
    const attempts = attemptsText(outcome);
    const message = outcome.ok
      ? `"${a.title}" sent to ${receiver.id} (${receiver.type}, ${attempts})`
      : `"${a.title}" to ${receiver.id} (${receiver.type}) failed after ${attempts}: ${outcome.error}`;
    if (a.incident) {
      this.options.record(a.incident.id, {
        at: this.options.clock.now(),
        kind: 'notification',
        message,
        data: { receiver: receiver.id, type: receiver.type, action: a.kind, outcome: outcome.ok ? 'sent' : 'failed' },
      });
    }
    if (!outcome.ok) this.options.log('warn', `announcement to ${receiver.id} failed: ${outcome.error}`);
  }

  private recordOutcome(
    receiver: ReceiverConfig,
    incidentId: string,
    action: NotifyAction,
    outcome: DeliveryOutcome,
  ): void {
    this.count(receiver, outcome.ok);
    const attempts = attemptsText(outcome);
    this.options.record(incidentId, {
      at: this.options.clock.now(),
      kind: 'notification',
      message: outcome.ok
        ? `${action} message sent to ${receiver.id} (${receiver.type}, ${attempts})`
        : `${action} message to ${receiver.id} (${receiver.type}) failed after ${attempts}: ${outcome.error}`,
      data: {
        receiver: receiver.id,
        type: receiver.type,
        action,
        outcome: outcome.ok ? 'sent' : 'failed',
        attempts: outcome.attempts,
        status: outcome.status,
        error: outcome.error,
      },
    });
    if (!outcome.ok) this.options.log('warn', `notification to ${receiver.id} failed: ${outcome.error}`);
  }
}

function attemptsText(outcome: DeliveryOutcome): string {
  return `${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}`;
}

function groupKey(incidentId: string, receiverId: string): string {
  return `${incidentId}\u0000${receiverId}`;
}

function missing(name: string): DeliveryOutcome {
  return { ok: false, attempts: 0, status: null, error: `environment variable ${name} is not set` };
}
