import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { PERSON_ROLES, type PersonRole } from '../../../shared/actor.ts';
import type { ApiTokenView, CreatedSecret, KioskLinkView } from '../../../shared/auth-api.ts';
import type { AgentTokenView, RpcMethod } from '../../../shared/rpc.ts';
import { expectOk } from '../actions.ts';
import { formatTime } from '../format.ts';
import { useIdentity, useMayCall } from '../identity.ts';
import { call } from '../rpc.ts';
import { useBoard } from '../store.ts';
import { useUi } from '../ui-store.ts';

const DAY_MS = 86_400_000;
const EXPIRIES = [
  { label: 'never', days: null },
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
  { label: '1 year', days: 365 },
] as const;

/** A list the server sends, or why it would not. */
type Loaded<T> = { rows: T[]; error: null } | { rows: null; error: string } | null;

function load<T>(request: () => Promise<T[]>, set: (value: Loaded<T>) => void): Promise<void> {
  return request().then(
    (rows) => set({ rows, error: null }),
    (e: unknown) => set({ rows: null, error: message(e) }),
  );
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Who may reach the board without signing in: API tokens for scripts and services, kiosk links for
 * walls, and probe agents' tokens. Admins only (the server refuses anyone else, and says so here).
 * Secrets are shown once, when made; the lists never hold them.
 */
export function AccessView() {
  const admin = useMayCall('auth.tokens');
  // API tokens and kiosk links belong to a board with sign-in (`auth:`); agents' tokens to any.
  const signIn = useIdentity((s) => s.identity.mode === 'signed-in');
  const timezone = useBoard((s) => s.board?.timezone ?? 'UTC');
  const [tokens, setTokens] = useState<Loaded<ApiTokenView>>(null);
  const [links, setLinks] = useState<Loaded<KioskLinkView>>(null);
  const [agents, setAgents] = useState<Loaded<AgentTokenView>>(null);
  const [created, setCreated] = useState<{ what: string; secret: string } | null>(null);

  const reload = useCallback(async () => {
    await Promise.all([
      signIn ? load(() => call('auth.tokens', {}), setTokens) : null,
      signIn ? load(() => call('auth.kioskLinks', {}), setLinks) : null,
      load(() => call('vantages.tokens', {}), setAgents),
    ]);
  }, [signIn]);
  useEffect(() => {
    if (admin) void reload();
  }, [admin, reload]);

  if (!admin) {
    return (
      <div className="detail-view access-view" data-testid="view-access">
        <p className="empty">Tokens and kiosk links are for admins.</p>
      </div>
    );
  }
  const when = (at: number | null) => (at === null ? '—' : formatTime(at, timezone, true));
  const made = (row: { createdAt: number; createdBy: string }) => (
    <>
      {when(row.createdAt)} <span className="muted">by {row.createdBy}</span>
    </>
  );
  return (
    <div className="detail-view access-view" data-testid="view-access">
      <header className="detail-head">
        <h2>Access</h2>
        <span className="muted">
          Tokens and links that reach the board without a password. Each secret is shown once, when it is made; revoking
          one takes effect at once.
        </span>
      </header>
      {created && <CreatedSecretPanel {...created} onDone={() => setCreated(null)} />}

      {signIn && (
        <AccessSection title="API tokens" testId="api-tokens" loaded={tokens}>
          <CreateTokenForm
            onCreated={(made, name) => {
              setCreated({ what: `API token “${name}”`, secret: made.secret });
              void reload();
            }}
          />
          <table className="data-table">
            <Head columns={['Name', 'Role', 'Created', 'Expires', 'Last used', 'State', '']} />
            <tbody>
              {tokens?.rows?.map((t) => (
                <Row
                  key={t.id}
                  testId={`api-token-${t.id}`}
                  state={stateOf(t.revokedAt, t.expiresAt)}
                  name={
                    <>
                      {t.name} {t.userId && <span className="muted">for {t.userId}</span>}
                    </>
                  }
                  cells={[t.role, made(t), t.expiresAt === null ? 'never' : when(t.expiresAt), when(t.lastUsedAt)]}
                  revoke={{
                    what: `API token “${t.name}”`,
                    description: 'Whatever uses it is refused from its next request.',
                    method: 'auth.revokeToken',
                    run: () => expectOk(call('auth.revokeToken', { tokenId: t.id })),
                    after: reload,
                  }}
                />
              ))}
            </tbody>
          </table>
        </AccessSection>
      )}

      {signIn && (
        <AccessSection title="Kiosk links" testId="kiosk-links" loaded={links}>
          <NameForm
            label="Wall name"
            button="Create kiosk link"
            testId="create-kiosk-link"
            create={(name) => call('auth.createKioskLink', { name })}
            onCreated={(made, name) => {
              setCreated({ what: `kiosk link “${name}”`, secret: new URL(made.secret, location.origin).href });
              void reload();
            }}
          />
          <table className="data-table">
            <Head columns={['Wall', 'Created', 'State', '']} />
            <tbody>
              {links?.rows?.map((l) => (
                <Row
                  key={l.id}
                  testId={`kiosk-link-${l.id}`}
                  state={stateOf(l.revokedAt, null)}
                  name={l.name}
                  cells={[made(l)]}
                  revoke={{
                    what: `kiosk link “${l.name}”`,
                    description: 'Walls opened with it are signed out now and show the sign-in form.',
                    method: 'auth.revokeKioskLink',
                    run: () => expectOk(call('auth.revokeKioskLink', { linkId: l.id })),
                    after: reload,
                  }}
                />
              ))}
            </tbody>
          </table>
        </AccessSection>
      )}

      <AccessSection title="Agent tokens" testId="agent-tokens" loaded={agents}>
        <p className="muted">
          Probe agents sign their syncs with these. Made with <code>knockon agent-token create</code> or in the config.
        </p>
        <table className="data-table">
          <Head columns={['Name', 'Vantage', 'From', 'Created', 'Last used', 'State', '']} />
          <tbody>
            {agents?.rows?.map((a) => (
              <Row
                key={a.id}
                testId={`agent-token-${a.id}`}
                state={stateOf(a.revokedAt, null)}
                name={a.name}
                cells={[a.vantage, a.source, when(a.createdAt), when(a.lastUsedAt)]}
                revoke={{
                  what: `agent token “${a.name}”`,
                  description: `The ${a.vantage} agent is refused from its next sync, until it gets a new token.`,
                  method: 'vantages.revokeToken',
                  run: () => expectOk(call('vantages.revokeToken', { tokenId: a.id })),
                  after: reload,
                }}
              />
            ))}
          </tbody>
        </table>
      </AccessSection>
    </div>
  );
}

type RowState = 'live' | 'revoked' | 'expired';

/** The columns' names; the last, unnamed, holds the row's Revoke button. */
function Head({ columns }: { columns: string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c, i) => (
          <th key={i} scope="col">
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}

interface Revoke {
  what: string;
  description: string;
  method: RpcMethod;
  run: () => Promise<unknown>;
  after: () => Promise<void>;
}

/** One token or link: its name, its cells, its state, and the way to revoke it while it lives. */
function Row(props: { testId: string; state: RowState; name: ReactNode; cells: ReactNode[]; revoke: Revoke }) {
  const { state } = props;
  return (
    <tr data-testid={props.testId} data-state={state} className={state === 'live' ? undefined : 'is-gone'}>
      <th scope="row">{props.name}</th>
      {props.cells.map((cell, i) => (
        <td key={i}>{cell}</td>
      ))}
      <td>{state}</td>
      <td>{state === 'live' && <RevokeButton {...props.revoke} />}</td>
    </tr>
  );
}

/** Revokes after a confirm (what goes, and what that does), then reloads the lists. */
function RevokeButton(props: Revoke) {
  const confirm = () =>
    useUi.getState().confirm({
      title: `Revoke ${props.what}?`,
      description: props.description,
      confirmLabel: 'Revoke',
      method: props.method,
      note: null,
      danger: true,
      run: () => props.run().finally(() => void props.after()),
      done: `Revoked ${props.what}`,
    });
  return (
    <button type="button" onClick={confirm}>
      Revoke…
    </button>
  );
}

function stateOf(revokedAt: number | null, expiresAt: number | null): RowState {
  if (revokedAt !== null) return 'revoked';
  return expiresAt !== null && expiresAt <= Date.now() ? 'expired' : 'live';
}

function AccessSection<T>(props: { title: string; testId: string; loaded: Loaded<T>; children: ReactNode }) {
  const { loaded } = props;
  return (
    <section className="access-section" data-testid={props.testId} aria-label={props.title}>
      <h3>{props.title}</h3>
      {loaded?.error ? (
        <p className="confirm-error" role="alert">
          {loaded.error}
        </p>
      ) : (
        props.children
      )}
      {loaded?.rows?.length === 0 && <p className="muted">None yet.</p>}
    </section>
  );
}

/** The secret just made, once: copy it now, it is never shown again. */
function CreatedSecretPanel({ what, secret, onDone }: { what: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = () =>
    navigator.clipboard.writeText(secret).then(
      () => setCopied('Copied.'),
      () => setCopied('The browser would not copy: select the text and copy it.'),
    );
  return (
    <div className="created-secret" role="status" data-testid="created-secret">
      <p>
        <strong>New {what}.</strong> Copy it now: it is not shown again.
      </p>
      <div className="created-secret-value">
        <code data-testid="created-secret-value">{secret}</code>
        <button type="button" className="primary" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
      {copied && <p className="muted">{copied}</p>}
    </div>
  );
}

function CreateTokenForm({ onCreated }: { onCreated: (made: CreatedSecret, name: string) => void }) {
  const [role, setRole] = useState<PersonRole>('viewer');
  const [user, setUser] = useState('');
  const [days, setDays] = useState<number | null>(90);
  return (
    <NameForm
      label="Token name"
      button="Create token"
      testId="create-api-token"
      create={(name) =>
        call('auth.createToken', {
          name,
          role,
          ...(user.trim() ? { user: user.trim() } : {}),
          expiresAt: days === null ? null : Date.now() + days * DAY_MS,
        })
      }
      onCreated={onCreated}
    >
      <label>
        Role
        <select value={role} onChange={(e) => setRole(e.target.value as PersonRole)}>
          {PERSON_ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <label>
        For user (optional)
        <input value={user} onChange={(e) => setUser(e.target.value)} />
      </label>
      <label>
        Expires
        <select
          value={String(days)}
          onChange={(e) => setDays(e.target.value === 'null' ? null : Number(e.target.value))}
        >
          {EXPIRIES.map((x) => (
            <option key={x.label} value={String(x.days)}>
              {x.label}
            </option>
          ))}
        </select>
      </label>
    </NameForm>
  );
}

/** A name and a button that makes something; the server's refusal, when it refuses, shown beside. */
function NameForm(props: {
  label: string;
  button: string;
  testId: string;
  create: (name: string) => Promise<CreatedSecret>;
  onCreated: (made: CreatedSecret, name: string) => void;
  children?: ReactNode;
}) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const made = await props.create(name.trim());
      setName('');
      props.onCreated(made, name.trim());
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="access-form" data-testid={props.testId} onSubmit={(e) => void submit(e)}>
      <label>
        {props.label}
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
      </label>
      {props.children}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Creating…' : props.button}
      </button>
      {error && (
        <p className="confirm-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
