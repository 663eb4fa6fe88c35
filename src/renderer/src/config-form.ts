/**
 * The board's config forms as data: which fields each kind of item shows, and how a field's text
 * becomes the value written in the file. Pure (tested without a DOM). The engine validates the
 * result with the config schema; these only shape what a person types.
 */
import type { EditableSection, JsonObject } from '../../shared/config-edit.ts';

export interface FieldSpec {
  key: string;
  label: string;
  kind: 'text' | 'number' | 'list' | 'select';
  options?: readonly string[];
  /** What an empty choice means (the default, or none). */
  empty?: string;
  hint?: string;
}

/** Check types the form knows the target fields of; others keep their fields as written. */
const TARGET_FIELDS: Record<string, FieldSpec[]> = {
  http: [{ key: 'url', label: 'URL', kind: 'text', hint: 'http:// or https://' }],
  tcp: [
    { key: 'host', label: 'Host', kind: 'text' },
    { key: 'port', label: 'Port', kind: 'number' },
  ],
  tls: [
    { key: 'host', label: 'Host', kind: 'text' },
    { key: 'port', label: 'Port', kind: 'number', hint: '443 when empty' },
  ],
  dns: [
    { key: 'query_name', label: 'Name asked', kind: 'text' },
    {
      key: 'record_type',
      label: 'Record type',
      kind: 'select',
      options: ['', 'A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SOA', 'SRV'],
    },
    {
      key: 'resolvers',
      label: 'Resolvers',
      kind: 'list',
      hint: 'comma-separated, such as 192.0.2.53, 192.0.2.54:5353',
    },
  ],
};
export const FORM_CHECK_TYPES = Object.keys(TARGET_FIELDS);

const COMPONENT_KINDS = ['', 'load_balancer', 'api', 'database', 'cache', 'dns_zone', 'service', 'other'];
const CONDITIONS = ['down', 'degraded', 'latency', 'cert_expiry', 'heartbeat_missing'];

export interface FormContext {
  regions: readonly string[];
  components: readonly string[];
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

/** What the input shows for a field's value. */
export function fieldText(spec: FieldSpec, value: JsonObject[string] | undefined): string {
  return spec.kind === 'list' || !Array.isArray(value) ? valueText(value) : JSON.stringify(value);
}

/** A value as one line of text: lists joined with commas, objects as JSON, nothing as ''. */
export function valueText(value: JsonObject[string] | undefined): string {
  if (value === undefined || value === null) return '';
  return Array.isArray(value) ? value.join(', ') : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * The draft with a field set from its input's text: an empty input removes the field (so the
 * default applies), a number field keeps what is not a number as text for the schema to refuse.
 */
export function withField(draft: JsonObject, spec: FieldSpec, text: string): JsonObject {
  const trimmed = text.trim();
  if (trimmed === '') {
    const { [spec.key]: _old, ...rest } = draft;
    return rest;
  }
  // Assigned over a copy: a field already written keeps its place in the item.
  const next: JsonObject = { ...draft };
  if (spec.kind === 'number') next[spec.key] = /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
  else if (spec.kind === 'list')
    next[spec.key] = trimmed
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  else next[spec.key] = trimmed;
  // Another check type: the old type's target fields would be unknown fields of the new one.
  if (spec.key === 'type' && typeof draft.type === 'string' && draft.type !== trimmed) {
    for (const field of TARGET_FIELDS[draft.type] ?? []) delete next[field.key];
  }
  return next;
}

/** A new item's fields in the form's order (id first), the rest after: how a person would write it. */
export function inFormOrder(draft: JsonObject, fields: readonly FieldSpec[]): JsonObject {
  const out: JsonObject = {};
  for (const { key } of fields) if (Object.hasOwn(draft, key)) out[key] = draft[key]!;
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
