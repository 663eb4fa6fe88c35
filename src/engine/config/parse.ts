import { rememberInput } from '../../shared/config/input.ts';
import {
  CST,
  isAlias,
  isCollection,
  isNode,
  isPair,
  isScalar,
  Lexer,
  LineCounter,
  parseDocument,
  visit,
  type Node as YamlNode,
} from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from '../../shared/config/schema.ts';
import type { ConfigIssue } from '../../shared/model.ts';

export type ParseOutcome = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out || '(top level)';
}

/** Large enough for thousands of checks; the parse itself is bounded by MAX_YAML_TOKENS. */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;
/**
 * The yaml library holds about a kilobyte per value while it composes a document: a file of 4
 * MiB of `[1,1,1,…]` exhausts the worker's heap although it is under the byte limit. A million
 * tokens keeps the worst case to a few hundred MiB and a few seconds, and is twice what 20,000
 * ordinary checks take.
 */
export const MAX_YAML_TOKENS = 1_000_000;
/** Values a document may expand to through its aliases: a "billion laughs" stops here. */
export const MAX_YAML_VALUES = 1_000_000;

/**
 * Parses and validates a config file's text. Every issue names the file, line, column and
 * field, so the wall can say exactly what to fix. Never throws.
 */
export function parseConfigText(text: string, file: string): ParseOutcome {
  const problem = (message: string, offset: number | null = null): ParseOutcome => {
    const pos = offset === null ? null : positionOf(text, offset);
    return {
      ok: false,
      issues: [{ file, line: pos?.line ?? null, column: pos?.col ?? null, field: '(file)', message }],
    };
  };
  if (text.length > MAX_CONFIG_BYTES) return tooLarge(text.length, file);
  if (text.replace(/#.*$/gm, '').trim() === '') return problem(EMPTY);
  const tooMany = tokenBudgetExceeded(text);
  if (tooMany !== null) {
    return problem(
      `more than ${MAX_YAML_TOKENS} YAML tokens; the limit keeps parsing within the engine's memory`,
      tooMany,
    );
  }
  try {
    return parseDocumentText(text, file, problem);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return problem(`cannot be read: ${message}`);
  }
}

const EMPTY = 'config file is empty: add at least one check';

/** The outcome for a file over MAX_CONFIG_BYTES, told before it is read. */
export function tooLarge(size: number, file: string): ParseOutcome {
  const message = `config file is ${formatBytes(size)}; the limit is ${formatBytes(MAX_CONFIG_BYTES)}`;
  return { ok: false, issues: [{ file, line: null, column: null, field: '(file)', message }] };
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024)
    return `${Number.isInteger(n / 1024 / 1024) ? n / 1024 / 1024 : (n / 1024 / 1024).toFixed(1)} MiB`;
  return `${Math.ceil(n / 1024)} KiB`;
}

function positionOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

/** Lexer marks that stand for no text in the source (see yaml's CST docs). */
const CONTROL_TOKENS = new Set([CST.DOCUMENT, CST.FLOW_END, CST.SCALAR]);
const FREE_TOKENS = new Set(['space', 'newline', 'comment', 'doc-mode', 'doc-start', 'doc-end', 'byte-order-mark']);

/**
 * Counts the tokens that become values or structure, with the lexer alone (which keeps nothing),
 * before the document is built; returns the offset where the budget ran out, or null.
 */
function tokenBudgetExceeded(text: string): number | null {
  let offset = 0;
  let count = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type !== null && !FREE_TOKENS.has(type) && ++count > MAX_YAML_TOKENS) return offset;
    if (!CONTROL_TOKENS.has(token)) offset += token.length;
  }
  return null;
}

type Problem = (message: string, offset?: number | null) => ParseOutcome;

function parseDocumentText(text: string, file: string, problem: Problem): ParseOutcome {
  const lineCounter = new LineCounter();
  // yaml's own unique-key check compares every key with every earlier one: minutes for a map of
  // 100,000 keys. duplicateKeys() does it with a set.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((error) => {
        const pos = lineCounter.linePos(error.pos[0]);
        return {
          file,
          line: pos.line,
          column: pos.col,
          field: '(yaml syntax)',
          message: error.message.split('\n')[0] ?? error.message,
        };
      }),
    };
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return problem(EMPTY);
  const duplicates = duplicateKeys(doc);
  if (duplicates.length > 0) {
    return {
      ok: false,
      issues: duplicates.map(({ key, offset }) => {
        const pos = lineCounter.linePos(offset);
        return { file, line: pos.line, column: pos.col, field: '(yaml syntax)', message: `duplicate key "${key}"` };
      }),
    };
  }
  const bomb = aliasExpansionExceeded(doc);
  if (bomb !== null) {
    return problem(
      `cannot be read: the aliases expand to more than ${MAX_YAML_VALUES} values (a YAML alias bomb?)`,
      bomb,
    );
  }
  let data: unknown;
  try {
    // The expansion is bounded above; yaml's own alias limit (100) refuses honest files that
    // use one anchor for a hundred checks' resolvers.
    data = doc.toJS({ maxAliasCount: MAX_YAML_VALUES }) ?? {};
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return problem(`cannot be read: ${message}`, firstAlias(doc));
  }
  const result = configSchema.safeParse(data);
  if (result.success) {
    rememberInput(result.data, data);
    return { ok: true, config: result.data };
  }
  return { ok: false, issues: result.error.issues.map((issue) => locate(issue, doc, lineCounter, file, data)) };
}

type YamlDocument = ReturnType<typeof parseDocument>;

function duplicateKeys(doc: YamlDocument): { key: string; offset: number }[] {
  const found: { key: string; offset: number }[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) found.push({ key: String(pair.key.value), offset: pair.key.range?.[0] ?? 0 });
        seen.add(pair.key.value);
      }
    },
  });
  return found;
}

/**
 * Walks the document in order, as toJS() would expand it, counting values (an alias counts as
 * everything its anchor expands to); returns the offset of the alias that passes the limit.
 */
function aliasExpansionExceeded(doc: YamlDocument): number | null {
  const anchors = new Map<string, YamlNode>();
  const sizes = new Map<unknown, number>();
  let total = 0;
  let at: number | null = null;
  const walk = (node: unknown): number => {
    if (at !== null) return 0;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      // An alias of an enclosing node is a cycle: toJS() makes it one reference, not a copy.
      const size = (target && sizes.get(target)) ?? 1;
      total += size;
      if (total > MAX_YAML_VALUES) at = node.range?.[0] ?? 0;
      return size;
    }
    if (isPair(node)) return walk(node.key) + walk(node.value);
    total += 1;
    if (total > MAX_YAML_VALUES) at = isNode(node) ? (node.range?.[0] ?? 0) : 0;
    let size = 1;
    if (isNode(node) && node.anchor) anchors.set(node.anchor, node);
    if (isCollection(node)) for (const item of node.items) size += walk(item);
    if (isNode(node) && node.anchor) sizes.set(node, size);
    return size;
  };
  walk(doc.contents);
  return at;
}

function firstAlias(doc: YamlDocument): number | null {
  let offset: number | null = null;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? null;
      return visit.BREAK;
    },
  });
  return offset;
}

function locate(
  issue: z.core.$ZodIssue,
  doc: YamlDocument,
  lineCounter: LineCounter,
  file: string,
  data: unknown,
): ConfigIssue {
  const path = issue.path as PropertyKey[];
  let message = issue.message;
  // A field's own error ("expected a duration…") alone would describe a value never written:
  // say it is missing first, and keep a field's own hint at what to write.
  if (issue.code === 'invalid_type' && isMissing(data, path)) {
    const hint = message.startsWith('Invalid input') ? '' : ` (${message})`;
    message = `required field "${String(path[path.length - 1])}" is missing${hint}`;
  }
  let keyPath = path;
  if (issue.code === 'unrecognized_keys') {
    keyPath = [...path, issue.keys[0] as string];
    message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  // Walk down as far as the document goes, so a missing field points at its parent.
  let offset: number | null = null;
  for (let depth = keyPath.length; depth >= 0 && offset === null; depth--) {
    const node: unknown = doc.getIn(keyPath.slice(0, depth) as unknown[], true);
    if (isNode(node) && (node as YamlNode).range) offset = (node as YamlNode).range![0];
    else if (depth === 0 && doc.contents && isNode(doc.contents)) offset = doc.contents.range?.[0] ?? null;
  }
  // Prefer pointing at the key of an unknown field rather than its value.
  if (issue.code === 'unrecognized_keys') {
    const keyOffset = findKeyOffset(doc, path, issue.keys[0] as string);
    if (keyOffset !== null) offset = keyOffset;
  }
  const pos = offset === null ? null : lineCounter.linePos(offset);
  return {
    file,
    line: pos?.line ?? null,
    column: pos?.col ?? null,
    field: fieldName(issue.code === 'unrecognized_keys' ? keyPath : path),
    message,
  };
}

/** Whether the value at `path` is absent from an object that does exist. */
function isMissing(data: unknown, path: readonly PropertyKey[]): boolean {
  if (path.length === 0) return false;
  let node = data;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return false;
  return !Object.hasOwn(node, path[path.length - 1]!);
}

function findKeyOffset(doc: YamlDocument, path: PropertyKey[], key: string): number | null {
  const parent: unknown = path.length === 0 ? doc.contents : doc.getIn(path as unknown[], true);
  if (!parent || typeof parent !== 'object' || !('items' in parent)) return null;
  for (const pair of (parent as { items: { key?: unknown }[] }).items) {
    const k = pair.key as YamlNode | undefined;
    if (k && isNode(k) && (k as unknown as { value?: unknown }).value === key) return k.range?.[0] ?? null;
  }
  return null;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === null ? issue.file : `${issue.file}:${issue.line}:${issue.column}`;
  return `${where}: ${issue.field}: ${issue.message}`;
}
