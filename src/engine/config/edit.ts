/**
 * The board's config editor (`config.document`, `config.edit`): config stays code. An edit is
 * made to the same file the engine runs from, only when the file is still the version the board
 * read (its SHA-256), only when the whole resulting file passes the same parser the loader uses,
 * and written atomically; the config watcher then applies it like any save from an editor.
 * Edits run one at a time. The log line names the actor.
 */
import { createHash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import type { Actor } from '../../shared/actor.ts';
import {
  ITEM_KEY,
  type ConfigDocumentView,
  type ConfigEdit,
  type ConfigEditOutcome,
} from '../../shared/config-edit.ts';
import type { Config } from '../../shared/config/schema.ts';
import type { ConfigIssue } from '../../shared/model.ts';
import { describeError } from '../repeated-errors.ts';
import type { RpcRegistry } from '../rpc.ts';
import { systemClock, type Clock } from '../clock.ts';
import { isQuickEdit, resolveQuickEdit, windowStates, type PlainEdit } from './edit-maintenance.ts';
import { applyEdit, editableItems, itemIndex } from './edit-yaml.ts';
import { writeFileAtomic } from './edit-write.ts';
import { parseConfigText } from './parse.ts';
import { readConfigFile } from './read.ts';

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

export const DEMO_REFUSAL =
  'the board runs the built-in demo config, not a file: there is nothing to write back to (start Knockon with a config file to edit it here)';

export function revisionOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const refused = (reason: 'conflict' | 'refused', message: string): ConfigEditOutcome => ({
  ok: false,
  reason,
  message,
  issues: [],
  fields: {},
});

export class ConfigEditor {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly path: string | null;
  private readonly log: Log;
  private readonly clock: Clock;

  /** `path` is the config file the engine runs from; null for the built-in demo. */
  constructor(path: string | null, log: Log, clock: Clock = systemClock) {
    this.path = path;
    this.log = log;
    this.clock = clock;
  }

  register(rpc: RpcRegistry): void {
    rpc.register('config.document', () => this.document());
    rpc.register('config.edit', (params, actor) => this.edit(params.revision, params.edit, actor));
  }

  async document(): Promise<ConfigDocumentView> {
    const read = await this.read();
    if (!read.ok) return { editable: false, file: this.path, reason: read.message };
    const items = editableItems(read.text);
    if (typeof items === 'string') return { editable: false, file: read.path, reason: items };
    // The loader's parse (for the windows' times and coverage) only when there are windows.
    const config = items.maintenance.length > 0 ? parsedConfig(read.text, read.path) : null;
    const now = this.clock.now();
    return {
      editable: true,
      file: read.path,
      revision: revisionOf(read.text),
      ...items,
      now,
      windows: windowStates(config, now),
    };
  }

  /** Applies one edit made against `revision`; never throws. */
  edit(revision: string, edit: ConfigEdit, actor: Actor): Promise<ConfigEditOutcome> {
    const run = this.queue.then(() => this.editNow(revision, edit, actor));
    this.queue = run.catch(() => {});
    return run;
  }

  private async editNow(revision: string, edit: ConfigEdit, actor: Actor): Promise<ConfigEditOutcome> {
    const read = await this.read();
    if (!read.ok) return refused('refused', read.message);
    const { path, text } = read;
    if (revisionOf(text) !== revision) return refused('conflict', CONFLICT);
    const plain = this.plainEdit(path, text, edit, actor);
    if (typeof plain === 'string') return refused('refused', plain);
    const applied = applyEdit(text, plain.edit);
    if (!applied.ok) return refused('refused', applied.message);
    const changed = { ...applied, summary: `${applied.summary}${plain.note}` };
    const parsed = parseConfigText(changed.text, path);
    if (!parsed.ok) {
      const fields = itemFields(changed.text, plain.edit, parsed.issues);
      return {
        ok: false,
        reason: 'invalid',
        message: `not saved: ${parsed.issues[0]!.field}: ${parsed.issues[0]!.message}`,
        issues: parsed.issues,
        fields,
      };
    }
    // Saved by someone else while this edit was worked out: theirs wins, this one is refused.
    const again = await readConfigFile(path);
    if (!again.ok || revisionOf(again.text) !== revision) return refused('conflict', CONFLICT);
    try {
      await writeFileAtomic(path, changed.text);
    } catch (error) {
      this.log(
        'error',
        `config ${path}: could not write ${changed.summary} for ${who(actor)}: ${describeError(error)}`,
      );
      return refused('refused', `could not write the file (${describeError(error)}); it was left as it was`);
    }
    this.log('info', `config ${path}: ${changed.summary} by ${who(actor)}`);
    return { ok: true, revision: revisionOf(changed.text), message: changed.summary };
  }

  /** The board's maintenance quick actions become an add or replace of a window, timed by the engine's clock. */
  private plainEdit(
    path: string,
    text: string,
    edit: ConfigEdit,
    actor: Actor,
  ): { edit: PlainEdit; note: string } | string {
    if (!isQuickEdit(edit)) return { edit, note: '' };
    const items = editableItems(text);
    if (typeof items === 'string') return items;
    const config = edit.op === 'end-maintenance' ? parsedConfig(text, path) : null;
    return resolveQuickEdit(edit, { ...items, config }, this.clock.now(), actor);
  }

  private async read(): Promise<{ ok: true; path: string; text: string } | { ok: false; message: string }> {
    if (this.path === null) return { ok: false, message: DEMO_REFUSAL };
    try {
      // The edit is renamed over the path: that would replace a link with a file.
      if ((await lstat(this.path)).isSymbolicLink()) {
        return {
          ok: false,
          message: `${this.path} is a symbolic link: edit the file it points to, or start Knockon with that file`,
        };
      }
    } catch {
      // Not there: readConfigFile says so.
    }
    const read = await readConfigFile(this.path);
    if (!read.ok) return { ok: false, message: read.issues.map((i) => `${i.file}: ${i.message}`).join('; ') };
    return { ok: true, path: this.path, text: read.text };
  }
}

const CONFLICT =
  'the file changed on disk since the board read it (saved in an editor, or another edit): nothing was written; reload it and make the change again';

function parsedConfig(text: string, path: string): Config | null {
  const parsed = parseConfigText(text, path);
  return parsed.ok ? parsed.config : null;
}

function who(actor: Actor): string {
  return `${actor.name} (${actor.id} via ${actor.via})`;
}

/** The issues that concern the edited item, keyed by its own field path (`url`, `expect.status`). */
function itemFields(text: string, edit: PlainEdit, issues: ConfigIssue[]): Record<string, string> {
  const id = edit.op === 'add' || edit.op === 'replace' ? edit.item[ITEM_KEY[edit.section]] : edit.id;
  if (typeof id !== 'string') return {};
  const index = itemIndex(text, edit.section, id);
  if (index === -1) return {};
  const prefix = `${edit.section}[${index}]`;
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    if (issue.field !== prefix && !issue.field.startsWith(`${prefix}.`) && !issue.field.startsWith(`${prefix}[`))
      continue;
    const field = issue.field.slice(prefix.length).replace(/^\./, '') || '(item)';
    fields[field] ??= issue.message;
  }
  return fields;
}
