/**
 * The board's config forms as data: which fields each kind of item shows, and how a field's text
 * becomes the value written in the file. Pure (tested without a DOM). The engine validates the
 * result with the config schema; these only shape what a person types.
 */
import type { EditableSection, JsonObject } from '../../shared/config-edit.ts';
import { DNS_RECORD_TYPES } from '../../shared/config/dns-check.ts';
import { isoInZone, localMinute, parseLocalMinute } from '../../shared/zoned-time.ts';

export interface FieldSpec {
  /** The field's path in the item: `url`, or `basic_auth.password_env` inside a nested map. */
  key: string;
  label: string;
  /**
   * text, number and list as typed; `numbers` a list of numbers; `boolean` true/false/default;
   * `secret` never shown back (typing replaces it, empty keeps it); `datetime` a time entered and
   * shown in the board's time zone; `nodes` a consistency check's `kind://host:port` list;
   * `schedule` a maintenance window's one-off or recurring form (no field of its own).
   */
  kind: 'text' | 'number' | 'numbers' | 'list' | 'select' | 'boolean' | 'secret' | 'datetime' | 'nodes' | 'schedule';
  options?: readonly string[];
  /** What an empty choice means (the default, or none). */
  empty?: string;
  hint?: string;
  /** For `datetime` and `schedule`: the board's time zone. */
  timezone?: string;
}

type Json = JsonObject[string];

const text = (key: string, label: string, hint?: string): FieldSpec => ({ key, label, kind: 'text', hint });
const number = (key: string, label: string, hint?: string): FieldSpec => ({ key, label, kind: 'number', hint });
const choice = (key: string, label: string, options: readonly string[], empty?: string): FieldSpec => ({
  key,
  label,
  kind: 'select',
  options: ['', ...options],
  empty,
});
const envName = (key: string, label: string): FieldSpec => ({
  key,
  label,
  kind: 'text',
  hint: 'the name of an environment variable holding it, never the secret itself',
});

/** Where a data-tier server is and who the probe logs in as (data-common.ts's serverFields). */
const SERVER = (port: number): FieldSpec[] => [
  text('host', 'Host'),
  number('port', 'Port', `${port} when empty`),
  text('user', 'User'),
  envName('password_env', 'Password variable'),
];
const ROLE = choice('role', 'Expected role', ['primary', 'replica', 'any'], '(any)');
const PRIMARY = text('primary', 'Primary’s check', 'the check of this replica’s primary: its outage is the cause');
const BASIC_AUTH = [
  text('basic_auth.username', 'Basic auth user'),
  envName('basic_auth.password_env', 'Basic auth password variable'),
];

/**
 * Each check type's target fields (src/shared/config/*-check.ts): what says where and what to
 * probe. The rest of a check (headers, canaries, lag limits…) is kept as written in the file.
 */
const TARGET_FIELDS: Record<string, FieldSpec[]> = {
  http: [
    text('url', 'URL', 'http:// or https://'),
    choice('method', 'Method', ['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'], '(GET)'),
    { key: 'expect.status', label: 'Expected status', kind: 'numbers', hint: 'such as 200, 204; any 2xx when empty' },
    text('expect.body_contains', 'Body contains'),
    ...BASIC_AUTH,
  ],
  tcp: [text('host', 'Host'), number('port', 'Port')],
  tls: [
    text('host', 'Host'),
    number('port', 'Port', '443 when empty'),
    text('tls.server_name', 'Server name (SNI)', 'the host when empty'),
    number('expect.min_days_left', 'Minimum days left'),
  ],
  dns: [
    text('query_name', 'Name asked'),
    choice('record_type', 'Record type', DNS_RECORD_TYPES, '(A)'),
    {
      key: 'resolvers',
      label: 'Resolvers',
      kind: 'list',
      hint: 'comma-separated, such as 192.0.2.53, 192.0.2.54:5353',
    },
  ],
  heartbeat: [
    envName('token_env', 'Token variable'),
    { key: 'token', label: 'Token (in the file)', kind: 'secret', hint: 'prefer the variable; never shown here' },
    text('degraded_after', 'Degraded after', 'such as 2m since the last beat'),
    text('down_after', 'Down after', 'such as 5m'),
  ],
  postgres: [...SERVER(5432), text('database', 'Database', 'postgres when empty'), ROLE, PRIMARY],
  mysql: [...SERVER(3306), text('database', 'Database'), ROLE, PRIMARY],
  redis: [...SERVER(6379), ROLE, PRIMARY, number('min_replicas', 'Replicas at least', 'on a primary')],
  consistency: [
    text('key', 'Key'),
    {
      key: 'nodes',
      label: 'Nodes',
      kind: 'nodes',
      hint: 'comma-separated kind://host:port, such as redis://10.0.0.1:6379, memcached://10.0.0.2',
    },
    text('max_disagreement', 'Longest disagreement', 'such as 30s'),
    { key: 'missing_ok', label: 'Key may be missing', kind: 'boolean', options: ['', 'true', 'false'], empty: '(no)' },
  ],
  route53_health: [
    text('health_check_id', 'Health check id'),
    text('aws_region', 'Signing region', 'us-east-1 when empty'),
    envName('access_key_id_env', 'Access key id variable'),
    envName('secret_access_key_env', 'Secret access key variable'),
    text('endpoint', 'Endpoint', 'another Route 53 API endpoint; AWS’s when empty'),
  ],
  prometheus: [
    text('url', 'Prometheus URL', 'such as http://prometheus:9090'),
    text('query', 'Query', 'PromQL, such as up{job="api"} == 0'),
    choice('down_when', 'Down when', ['non_empty', 'empty'], '(it returns series)'),
    number('above', 'Down above'),
    number('below', 'Down below'),
    {
      key: 'instances',
      label: 'Each series its own row',
      kind: 'boolean',
      options: ['', 'true', 'false'],
      empty: '(no)',
    },
    envName('bearer_token_env', 'Bearer token variable'),
    ...BASIC_AUTH,
  ],
};
export const FORM_CHECK_TYPES = Object.keys(TARGET_FIELDS);

const COMPONENT_KINDS = ['', 'load_balancer', 'api', 'database', 'cache', 'dns_zone', 'service', 'other'];
const CONDITIONS = ['down', 'degraded', 'latency', 'cert_expiry', 'heartbeat_missing'];
const SCHEDULES = ['one-off', 'recurring'] as const;

export interface FormContext {
  regions: readonly string[];
  components: readonly string[];
  /** The board's time zone: maintenance times are entered in it. */
  timezone: string;
}

/** The fields shown for an item (a check's depend on its type, a rule's on its condition). */
export function fieldsFor(section: EditableSection, draft: JsonObject, context: FormContext): FieldSpec[] {
  const region: FieldSpec = {
    key: 'region',
    label: 'Region',
    kind: 'select',
    options: ['', ...context.regions],
    empty: '(none)',
  };
  if (section === 'checks') {
    const type = typeof draft.type === 'string' ? draft.type : 'http';
    const types = FORM_CHECK_TYPES.includes(type) ? FORM_CHECK_TYPES : [...FORM_CHECK_TYPES, type];
    return [
      { key: 'id', label: 'Id', kind: 'text', hint: 'letters, digits, - _ .' },
      { key: 'name', label: 'Name', kind: 'text', hint: 'the id when empty' },
      { key: 'type', label: 'Type', kind: 'select', options: types },
      ...(TARGET_FIELDS[type] ?? []),
      { key: 'interval', label: 'Interval', kind: 'text', hint: 'such as 30s; the default when empty' },
      { key: 'timeout', label: 'Timeout', kind: 'text', hint: 'such as 5s' },
      region,
    ];
  }
  if (section === 'components') {
    return [
      { key: 'id', label: 'Id', kind: 'text' },
      { key: 'name', label: 'Name', kind: 'text' },
      { key: 'kind', label: 'Kind', kind: 'select', options: COMPONENT_KINDS },
      region,
      { key: 'checks', label: 'Checks', kind: 'list', hint: 'check ids, comma-separated' },
      { key: 'depends_on', label: 'Depends on', kind: 'list', hint: 'component ids' },
    ];
  }
  if (section === 'maintenance') {
    const tz = context.timezone;
    const when: FieldSpec[] =
      draft.every !== undefined
        ? [
            { key: 'every.days', label: 'Days', kind: 'list', hint: 'such as tue, thu; every day when empty' },
            text('every.at', 'At', 'local time HH:MM, such as 02:00'),
            text('every.for', 'For', 'such as 2h'),
            text('every.timezone', 'Time zone', `of the local time; UTC when empty (the board’s is ${tz})`),
          ]
        : [
            { key: 'start', label: 'Start', kind: 'datetime', timezone: tz, hint: `YYYY-MM-DD HH:MM in ${tz}` },
            { key: 'end', label: 'End', kind: 'datetime', timezone: tz, hint: `YYYY-MM-DD HH:MM in ${tz}` },
          ];
    return [
      text('id', 'Id', 'letters, digits, - _ .'),
      text('name', 'Reason', 'such as DB upgrade, CHG-1234'),
      { key: 'checks', label: 'Checks', kind: 'list', hint: 'check ids, comma-separated' },
      { key: 'components', label: 'Components', kind: 'list', hint: 'their checks are covered' },
      {
        key: 'regions',
        label: 'Regions',
        kind: 'list',
        hint: `their checks are covered: ${context.regions.join(', ')}`,
      },
      { key: 'schedule', label: 'Schedule', kind: 'schedule', options: SCHEDULES, timezone: tz },
      ...when,
    ];
  }
  const condition = typeof draft.condition === 'string' ? draft.condition : 'down';
  return [
    { key: 'name', label: 'Name', kind: 'text', hint: 'such as EdgeDown' },
    { key: 'condition', label: 'Condition', kind: 'select', options: CONDITIONS },
    ...(condition === 'latency'
      ? [{ key: 'above', label: 'Above', kind: 'text' as const, hint: 'such as 800ms' }]
      : []),
    ...(condition === 'cert_expiry' ? [{ key: 'days', label: 'Days left', kind: 'number' as const }] : []),
    { key: 'severity', label: 'Severity', kind: 'select', options: ['', 'critical', 'warning', 'info'] },
    { key: 'on', label: 'On', kind: 'select', options: ['', 'checks', 'components'], empty: '(by condition)' },
    { key: 'ids', label: 'Only these ids', kind: 'list', hint: 'every one when empty' },
    { key: 'for', label: 'For', kind: 'text', hint: 'pending this long before firing, such as 1m' },
  ];
}

/** The top-level field a field's path starts with. */
export const topKey = (key: string): string => key.split('.')[0]!;

function getPath(draft: JsonObject, key: string): Json | undefined {
  let at: Json | undefined = draft;
  for (const part of key.split('.')) {
    if (at === null || typeof at !== 'object' || Array.isArray(at)) return undefined;
    at = at[part];
  }
  return at;
}

/** The draft with the value at `key` set (undefined: removed; a nested map left empty goes too). */
function setPath(draft: JsonObject, key: string, value: Json | undefined): JsonObject {
  const [head, ...rest] = key.split('.') as [string, ...string[]];
  let next: Json | undefined = value;
  if (rest.length > 0) {
    const inner = draft[head];
    const map = inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? inner : {};
    const changed = setPath(map, rest.join('.'), value);
    next = Object.keys(changed).length === 0 ? undefined : changed;
  }
  if (next === undefined) {
    const { [head]: _old, ...others } = draft;
    return others;
  }
  // Assigned over a copy: a field already written keeps its place in the item.
  return { ...draft, [head]: next };
}

const NODE = /^(redis|memcached):\/\/(\[[^\]]+\]|[^\s:/]+)(?::(\d{1,5}))?$/;

function nodeText(node: Json): string {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return JSON.stringify(node);
  const port = node.port === undefined ? '' : `:${String(node.port)}`;
  return `${String(node.kind)}://${String(node.host)}${port}`;
}

/** What the input shows for a field of the draft. */
export function fieldText(spec: FieldSpec, draft: JsonObject): string {
  const value = getPath(draft, spec.key);
  switch (spec.kind) {
    case 'schedule':
      return draft.every !== undefined ? 'recurring' : 'one-off';
    case 'secret':
      return '';
    case 'nodes':
      return Array.isArray(value) ? value.map(nodeText).join(', ') : valueText(value);
    case 'datetime': {
      const at = typeof value === 'string' && /(Z|[+-]\d\d:\d\d)$/.test(value) ? Date.parse(value) : NaN;
      return Number.isFinite(at) ? localMinute(at, spec.timezone ?? 'UTC').replace('T', ' ') : valueText(value);
    }
    case 'list':
    case 'numbers':
      return valueText(value);
    default:
      return Array.isArray(value) ? JSON.stringify(value) : valueText(value);
  }
}

/** A value as one line of text: lists joined with commas, objects as JSON, nothing as ''. */
export function valueText(value: Json | undefined): string {
  if (value === undefined || value === null) return '';
  return Array.isArray(value) ? value.join(', ') : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

const items = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const asNumber = (text: string): Json => (/^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text);

/** A consistency check's nodes from `kind://host:port` items; a node's other fields are kept. */
function parseNodes(text: string, old: Json | undefined): Json {
  const before = Array.isArray(old) ? old : [];
  const nodes: Json[] = [];
  for (const entry of items(text)) {
    const m = NODE.exec(entry);
    // Not a node: left as typed, for the schema to refuse beside the field.
    if (!m) return text;
    const known = before.find((n) => nodeText(n) === entry);
    const node: JsonObject = { kind: m[1]!, host: m[2]! };
    if (m[3] !== undefined) node.port = Number(m[3]);
    nodes.push(known ?? node);
  }
  return nodes;
}

/**
 * The draft with a field set from its input's text: an empty input removes the field (so the
 * default applies) except a secret's, which it keeps; a number field keeps what is not a number
 * as text for the schema to refuse.
 */
export function withField(draft: JsonObject, spec: FieldSpec, input: string): JsonObject {
  const trimmed = input.trim();
  const tz = spec.timezone ?? 'UTC';
  if (spec.kind === 'schedule') {
    if ((trimmed === 'recurring') === (draft.every !== undefined)) return draft;
    // A recurring window's early-ended occurrences go with its schedule.
    const { start: _s, end: _e, every: _every, ended: _ended, ...rest } = draft;
    return trimmed === 'recurring' ? { ...rest, every: { at: '02:00', for: '1h', timezone: tz } } : rest;
  }
  if (trimmed === '') return spec.kind === 'secret' ? draft : setPath(draft, spec.key, undefined);
  let value: Json;
  switch (spec.kind) {
    case 'number':
      value = asNumber(trimmed);
      break;
    case 'numbers':
      value = items(trimmed).map(asNumber);
      break;
    case 'list':
      value = items(trimmed);
      break;
    case 'boolean':
      value = trimmed === 'true' ? true : trimmed === 'false' ? false : trimmed;
      break;
    case 'nodes':
      value = parseNodes(trimmed, getPath(draft, spec.key));
      break;
    case 'datetime': {
      const at = parseLocalMinute(trimmed, tz);
      value = at === null ? trimmed : isoInZone(at, tz);
      break;
    }
    default:
      value = trimmed;
  }
  const next = setPath(draft, spec.key, value);
  // Another check type: the old type's target fields the new one lacks would be unknown fields of it.
  if (spec.key === 'type' && typeof draft.type === 'string' && draft.type !== trimmed) {
    const keep = new Set((TARGET_FIELDS[trimmed] ?? []).map((f) => topKey(f.key)));
    for (const field of TARGET_FIELDS[draft.type] ?? [])
      if (!keep.has(topKey(field.key))) delete next[topKey(field.key)];
  }
  return next;
}

/** A new item's fields in the form's order (id first), the rest after: how a person would write it. */
export function inFormOrder(draft: JsonObject, fields: readonly FieldSpec[]): JsonObject {
  const out: JsonObject = {};
  for (const field of fields) {
    const key = topKey(field.key);
    if (Object.hasOwn(draft, key)) out[key] = draft[key]!;
  }
  for (const [key, value] of Object.entries(draft)) if (!Object.hasOwn(out, key)) out[key] = value;
  return out;
}

/** A short description of a check's target, from what is written. */
export function targetOf(item: JsonObject): string {
  for (const key of ['url', 'query_name', 'host', 'query']) {
    const value = item[key];
    if (typeof value === 'string')
      return key === 'host' && item.port !== undefined ? `${value}:${String(item.port)}` : value;
  }
  return '';
}

/** The component whose `checks` holds the check first (the form's choice), or null. */
export function componentOf(checkId: string, components: readonly { id: string; item: JsonObject }[]): string | null {
  return components.find((c) => Array.isArray(c.item.checks) && c.item.checks.includes(checkId))?.id ?? null;
}
