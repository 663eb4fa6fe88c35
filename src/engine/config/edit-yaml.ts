/**
 * One board edit applied to the config file's text, keeping everything it does not touch as it
 * was written. The yaml Document API finds the item and merges the change into its node (so an
 * edited check keeps its unchanged fields' comments, quoting and order); then only the item's own
 * span of text is replaced, so the rest of the file (comments, blank lines, flow-collection
 * spacing, indentation) stays byte for byte. Where a span cannot be found safely (a flow list
 * such as `checks: [...]`, an empty or missing list), the whole document is written by yaml
 * instead: comments and order are kept, spacing may be normalised. Pure: text in, text out.
 */
import {
  CST,
  Document,
  Lexer,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Node as YamlNode,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import {
  EDITABLE_SECTIONS,
  ITEM_KEY,
  SECTION_NOUN as NOUN,
  type EditableItem,
  type EditableSection,
  type JsonObject,
} from '../../shared/config-edit.ts';
import { isTimeZone } from '../../shared/config/common.ts';
import { canonicalJson } from '../canonical-json.ts';
import type { PlainEdit } from './edit-maintenance.ts';

export type TextEdit = { ok: true; text: string; summary: string } | { ok: false; message: string };

type YamlDocument = Document.Parsed;

function parse(text: string): YamlDocument | string {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0)
    return `the file is not valid YAML (${doc.errors[0]!.message.split('\n')[0]}); fix it first`;
  if (doc.contents !== null && !isMap(doc.contents)) return 'the file is not a YAML mapping; fix it first';
  return doc;
}

/** The section's list; null when the key is absent or empty (`checks:`); a message when it is not a list. */
function sectionOf(doc: YamlDocument, section: string): YAMLSeq | null | string {
  const node: unknown = doc.get(section, true);
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) return null;
  if (!isSeq(node)) return `"${section}" is not a list in the file`;
  return node as YAMLSeq;
}

function idOf(node: unknown, key: string): string | null {
  if (!isMap(node)) return null;
  const value: unknown = node.get(key);
  return typeof value === 'string' ? value : null;
}

/** Why an item cannot be edited from the board: shared YAML (anchors, aliases) would change elsewhere too. */
function lockedReason(node: unknown): string | null {
  if (!isNode(node)) return null;
  let shared = false;
  visit(node as YamlNode, {
    Alias() {
      shared = true;
      return visit.BREAK;
    },
    Node(_key, n) {
      if (n.anchor || isAlias(n)) {
        shared = true;
        return visit.BREAK;
      }
      return undefined;
    },
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.value === '<<') {
        shared = true;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return shared ? 'it uses YAML anchors, aliases or merge keys: edit it in the file' : null;
}

export type EditableLists = Record<EditableSection, EditableItem[]> & {
  /** Region ids written in the file (for the check form's choice). */
  regions: string[];
  /** The board's time zone as written, when it is one the runtime knows; else UTC (the default). */
  timezone: string;
};

/** The items of each editable list as written, for the board's editor (one parse of the file). */
export function editableItems(text: string): EditableLists | string {
  const doc = parse(text);
  if (typeof doc === 'string') return doc;
  const zone: unknown = doc.getIn(['board', 'timezone']);
  const out: EditableLists = {
    checks: [],
    components: [],
    alerts: [],
    maintenance: [],
    regions: [],
    timezone: typeof zone === 'string' && isTimeZone(zone) ? zone : 'UTC',
  };
  for (const section of EDITABLE_SECTIONS) {
    const seq = sectionOf(doc, section);
    if (typeof seq === 'string') return seq;
    for (const node of seq?.items ?? []) {
      const id = idOf(node, ITEM_KEY[section]);
      if (id === null) continue;
      const locked = lockedReason(node);
      // An aliased item's JSON would need its anchors: the board only shows it, locked.
      const item = (locked ? { [ITEM_KEY[section]]: id } : (node as YAMLMap).toJSON()) as JsonObject;
      out[section].push({ id, item, locked });
    }
  }
  const regions = sectionOf(doc, 'regions');
  if (regions && typeof regions !== 'string') {
    out.regions = regions.items.map((n) => idOf(n, 'id')).filter((id): id is string => id !== null);
  }
  return out;
}

/** Where the item stands in its list (as the schema's issue paths count), or -1. */
export function itemIndex(text: string, section: EditableSection, id: string): number {
  const doc = parse(text);
  const seq = typeof doc === 'string' ? null : sectionOf(doc, section);
  if (!seq || typeof seq === 'string') return -1;
  return seq.items.findIndex((node) => idOf(node, ITEM_KEY[section]) === id);
}

/**
 * Applies one edit. A check's edit also keeps the components' `checks` lists right: a renamed
 * check is renamed where they list it, and with `component` it is listed by that component only
 * (null: by none).
 */
export function applyEdit(text: string, edit: PlainEdit): TextEdit {
  const first = applyOne(text, edit);
  if (!first.ok || edit.section !== 'checks' || (edit.op !== 'add' && edit.op !== 'replace')) return first;
  const newId = typeof edit.item.id === 'string' ? edit.item.id : null;
  const renamed = edit.op === 'replace' && newId !== null && newId !== edit.id ? { from: edit.id, to: newId } : null;
  if (edit.component === undefined && renamed === null) return first;
  const moved = updateMemberships(first.text, newId, renamed, edit.component);
  if (!moved.ok) return moved;
  return { ok: true, text: moved.text, summary: `${first.summary}${moved.summary}` };
}

function applyOne(text: string, edit: PlainEdit): TextEdit {
  const doc = parse(text);
  if (typeof doc === 'string') return { ok: false, message: doc };
  const seq = sectionOf(doc, edit.section);
  if (typeof seq === 'string') return { ok: false, message: seq };
  const key = ITEM_KEY[edit.section];
  const noun = NOUN[edit.section];
  if (edit.op === 'add') {
    const id = typeof edit.item[key] === 'string' ? edit.item[key] : '?';
    return { ok: true, text: addItem(text, doc, seq, edit.section, edit.item), summary: `added ${noun} "${id}"` };
  }
  const index = seq ? seq.items.findIndex((node) => idOf(node, key) === edit.id) : -1;
  if (!seq || index === -1) return { ok: false, message: `there is no ${noun} "${edit.id}" in the file` };
  const node = seq.items[index];
  const locked = lockedReason(node);
  if (locked) return { ok: false, message: `${noun} "${edit.id}" cannot be edited here: ${locked}` };
  if (edit.op === 'delete')
    return { ok: true, text: deleteItem(text, doc, seq, index), summary: `deleted ${noun} "${edit.id}"` };
  const map = node as YAMLMap;
  let next: JsonObject;
  let summary: string;
  if (edit.op === 'pause') {
    const { enabled: _enabled, ...rest } = map.toJSON() as JsonObject;
    next = edit.paused ? { ...rest, enabled: false } : rest;
    summary = `${edit.paused ? 'paused' : 'resumed'} ${noun} "${edit.id}"`;
  } else {
    next = edit.item;
    summary = `changed ${noun} "${edit.id}"`;
  }
  mergeInto(doc, map, next);
  return { ok: true, text: replaceItem(text, doc, seq, map), summary };
}

function updateMemberships(
  text: string,
  checkId: string | null,
  renamed: { from: string; to: string } | null,
  target: string | null | undefined,
): TextEdit {
  let current = text;
  let summary = '';
  const doc = parse(current);
  if (typeof doc === 'string') return { ok: false, message: doc };
  const seq = sectionOf(doc, 'components');
  if (typeof seq === 'string') return { ok: false, message: seq };
  const components = (seq?.items ?? []).map((node) => ({
    id: idOf(node, 'id'),
    json: isMap(node) ? (node.toJSON() as JsonObject) : null,
  }));
  if (typeof target === 'string' && !components.some((c) => c.id === target)) {
    return { ok: false, message: `there is no component "${target}" in the file` };
  }
  for (const { id, json } of components) {
    if (id === null || json === null || !(Array.isArray(json.checks) || id === target)) continue;
    const listed = Array.isArray(json.checks) ? json.checks : [];
    let checks = listed.map((c) => (renamed && c === renamed.from ? renamed.to : c));
    if (target !== undefined && checkId !== null) {
      checks = checks.filter((c) => c !== checkId || id === target);
      if (id === target && !checks.includes(checkId)) checks.push(checkId);
    }
    if (canonicalJson(checks) === canonicalJson(listed)) continue;
    const step = applyOne(current, { op: 'replace', section: 'components', id, item: { ...json, checks } });
    if (!step.ok) return step;
    current = step.text;
    const member = checkId !== null && checks.includes(checkId);
    const was = listed.includes(renamed?.from ?? checkId ?? '');
    summary += !member
      ? ` (out of component "${id}")`
      : was
        ? ` (renamed in component "${id}")`
        : ` in component "${id}"`;
  }
  return { ok: true, text: current, summary };
}

/**
 * Changes `node` to `next` keeping what did not change as it was: unchanged values keep their
 * nodes (comments, quoting, flow style), nested maps merge recursively, removed keys go, new
 * keys come last, and a changed list or map keeps the old one's flow or block style.
 */
function mergeInto(doc: YamlDocument, node: YAMLMap, next: JsonObject): void {
  for (const pair of [...node.items]) {
    const k = isScalar(pair.key) ? pair.key.value : pair.key;
    if (typeof k !== 'string' || !Object.hasOwn(next, k)) node.delete(pair.key);
  }
  for (const [k, value] of Object.entries(next)) {
    const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === k);
    if (!pair) {
      node.add(doc.createPair(k, value));
      continue;
    }
    const old = pair.value;
    const oldJson: unknown = isNode(old) ? old.toJSON() : old;
    if (canonicalJson(oldJson) === canonicalJson(value)) continue;
    if (isMap(old) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      mergeInto(doc, old, value as JsonObject);
      continue;
    }
    const created = doc.createNode(value);
    if ((isMap(old) || isSeq(old)) && (isMap(created) || isSeq(created))) created.flow = old.flow;
    if (isScalar(old) && isScalar(created) && typeof old.value === typeof created.value) created.type = old.type;
    pair.value = created;
  }
}

/** Whether the file writes `{ a: 1 }` or `{a: 1}`, and `[ a ]` or `[a]` (yaml has one setting for both). */
interface FlowHabit {
  map: boolean;
  seq: boolean;
}

/** Lexer marks that stand for no text (see yaml's CST docs). */
const CONTROL = new Set([CST.DOCUMENT, CST.FLOW_END, CST.SCALAR]);

function sourceTokens(text: string): string[] {
  return [...new Lexer().lex(text)].filter((t) => !CONTROL.has(t));
}

const isSpace = (token: string | undefined) => token !== undefined && /^ +$/.test(token);

function flowHabit(text: string): FlowHabit {
  const padded = { '{': 0, '[': 0 };
  const tight = { '{': 0, '[': 0 };
  const tokens = sourceTokens(text);
  tokens.forEach((token, i) => {
    if (token !== '{' && token !== '[') return;
    const next = tokens[i + 1];
    if (next === undefined || next === '}' || next === ']' || next.startsWith('\n')) return;
    (isSpace(next) ? padded : tight)[token]++;
  });
  // With no example in the file: yaml's own `{ a: 1 }`, and `[a]` as most people write lists.
  return { map: padded['{'] >= tight['{'], seq: padded['['] > tight['['] };
}

/** yaml's output (written padded) with the file's habit for each kind of flow collection. */
function withHabit(out: string, habit: FlowHabit): string {
  if (habit.map && habit.seq) return out;
  const tokens = sourceTokens(out);
  const tight = (open: string) => (open === '{' ? !habit.map : open === '[' ? !habit.seq : false);
  const closes: Record<string, string> = { '}': '{', ']': '[' };
  return tokens
    .filter((token, i) => {
      if (!isSpace(token)) return true;
      const before = tokens[i - 1];
      const after = tokens[i + 1];
      if (before !== undefined && tight(before)) return false;
      if (after !== undefined && closes[after] !== undefined && tight(closes[after]!)) return false;
      return true;
    })
    .join('');
}

function wholeDocument(doc: YamlDocument, text: string): string {
  return withEol(withHabit(doc.toString({ lineWidth: 0, flowCollectionPadding: true }), flowHabit(text)), text);
}

/** A node's YAML on its own, each line after the first indented to `column`. */
function nodeText(node: YamlNode, column: number, habit: FlowHabit): string {
  const copy = node.clone() as YamlNode;
  // Comments before and after the item lie outside its span and stay in the text as they are.
  copy.commentBefore = null;
  copy.comment = null;
  copy.spaceBefore = false;
  const standalone = new Document();
  standalone.contents = copy;
  const out = standalone.toString({ lineWidth: 0, flowCollectionPadding: true }).replace(/\n+$/, '');
  return withHabit(out, habit)
    .split('\n')
    .map((line, i) => (i === 0 || line === '' ? line : ' '.repeat(column) + line))
    .join('\n');
}

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

/** Where an item's own text ends: its value, without the line break and blank space after it. */
function valueEnd(text: string, node: YamlNode): number {
  let end = node.range![1];
  while (end > node.range![0] && /\s/.test(text[end - 1]!)) end--;
  return end;
}

/** The column of the item's `- ` when it starts the item's line, else null (no safe span). */
function dashColumn(text: string, node: unknown): number | null {
  if (!isNode(node) || !node.range) return null;
  const start = node.range[0];
  const match = /^( *)- +$/.exec(text.slice(lineStart(text, start), start));
  return match ? match[1]!.length : null;
}

function spliceable(text: string, seq: YAMLSeq | null, node?: unknown): boolean {
  return seq !== null && !seq.flow && seq.items.length > 0 && (node === undefined || dashColumn(text, node) !== null);
}

function addItem(
  text: string,
  doc: YamlDocument,
  seq: YAMLSeq | null,
  section: EditableSection,
  item: JsonObject,
): string {
  const created = doc.createNode(item);
  if (!seq || !spliceable(text, seq, seq.items.at(-1))) {
    if (seq) seq.items.push(created);
    else doc.set(section, doc.createNode([item]));
    return wholeDocument(doc, text);
  }
  const last = seq.items.at(-1) as YamlNode;
  // A list of one-line `{ ... }` items gets one more of those.
  if (isMap(last) && last.flow && isMap(created)) created.flow = true;
  const column = dashColumn(text, last)!;
  const lineEnd = text.indexOf(eolOf(text), valueEnd(text, last));
  const at = lineEnd === -1 ? text.length : lineEnd;
  const added = withEol(`\n${' '.repeat(column)}- ${nodeText(created, column + 2, flowHabit(text))}`, text);
  return text.slice(0, at) + added + text.slice(at);
}

function replaceItem(text: string, doc: YamlDocument, seq: YAMLSeq, node: YAMLMap): string {
  if (!spliceable(text, seq, node)) return wholeDocument(doc, text);
  const start = node.range![0];
  const end = valueEnd(text, node);
  const written = nodeText(node, start - lineStart(text, start), flowHabit(text));
  return text.slice(0, start) + withEol(written, text) + text.slice(end);
}

/** The file's line break: Windows files keep theirs. */
function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function withEol(written: string, text: string): string {
  return eolOf(text) === '\n' ? written : written.replace(/\n/g, '\r\n');
}

function deleteItem(text: string, doc: YamlDocument, seq: YAMLSeq, index: number): string {
  const node = seq.items[index];
  // The last item: yaml writes the empty list as `[]` (a bare key would read as null).
  if (seq.items.length === 1 || !spliceable(text, seq, node)) {
    seq.items.splice(index, 1);
    return wholeDocument(doc, text);
  }
  const n = node as YamlNode;
  const from = lineStart(text, n.range![0]);
  const lineEnd = text.indexOf('\n', valueEnd(text, n));
  return text.slice(0, from) + (lineEnd === -1 ? '' : text.slice(lineEnd + 1));
}
