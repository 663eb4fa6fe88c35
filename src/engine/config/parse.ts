import { LineCounter, parseDocument, isNode, type Node as YamlNode } from 'yaml';
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

/**
 * Parses and validates a config file's text. Every issue names the file, line, column and
 * field, so the wall can say exactly what to fix.
 */
export function parseConfigText(text: string, file: string): ParseOutcome {
  const problem = (message: string, line: number | null = null, column: number | null = null): ParseOutcome => ({
    ok: false,
    issues: [{ file, line, column, field: '(file)', message }],
  });
  if (text.length > MAX_CONFIG_BYTES) return tooLarge(text.length, file);
  if (text.replace(/#.*$/gm, '').trim() === '') return problem('config file is empty: add at least one check');
  try {
    return parseDocumentText(text, file);
  } catch (error) {
    // The yaml library refuses documents whose aliases expand beyond reason (a "billion laughs"
    // bomb) by throwing from toJS(); point at the first alias so the fix is findable.
    const message = error instanceof Error ? error.message : String(error);
    const alias = /(^|[\s[{,:-])\*[^\s,\]}]+/m.exec(text);
    const at = alias ? new LineCounter() : null;
    if (at && alias) {
      at.addNewLine(0);
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) at.addNewLine(i + 1);
      const pos = at.linePos(alias.index + alias[1]!.length);
      return problem(`cannot be read: ${message.split('\n')[0]}`, pos.line, pos.col);
    }
    return problem(`cannot be read: ${message.split('\n')[0]}`);
  }
}

/** Large enough for thousands of checks; small enough that parsing cannot exhaust the worker's heap. */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** The outcome for a file over MAX_CONFIG_BYTES, told before it is read. */
export function tooLarge(size: number, file: string): ParseOutcome {
  const message = `config file is ${formatBytes(size)}; the limit is ${formatBytes(MAX_CONFIG_BYTES)}`;
  return { ok: false, issues: [{ file, line: null, column: null, field: '(file)', message }] };
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

function parseDocumentText(text: string, file: string): ParseOutcome {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
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
  const data: unknown = doc.toJS() ?? {};
  const result = configSchema.safeParse(data);
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, issues: result.error.issues.map((issue) => locate(issue, doc, lineCounter, file)) };
}

function locate(
  issue: z.core.$ZodIssue,
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  file: string,
): ConfigIssue {
  const path = issue.path as PropertyKey[];
  let message = issue.message;
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

function findKeyOffset(doc: ReturnType<typeof parseDocument>, path: PropertyKey[], key: string): number | null {
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
