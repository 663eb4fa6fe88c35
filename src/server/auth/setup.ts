/**
 * What `knockon serve` needs for sign-in, from the config's `auth:` section: without it, the
 * board stays as it always was (the board token is the admin, anyone else a viewer), which is
 * only safe on loopback, so binding elsewhere without `auth:` is refused.
 */
import type { AuthConfig } from '../../shared/config/auth.ts';
import type { Clock } from '../../engine/clock.ts';
import { AuthTables } from '../../engine/store/auth-tables.ts';
import { StoreDatabase } from '../../engine/store/database.ts';
import type { BoardServerOptions, BoardSource } from '../board-server.ts';
import { isLoopbackHost } from '../client-address.ts';
import { OidcSignIn } from './oidc.ts';
import { Accounts } from './accounts.ts';
import { withAuthMethods } from './auth-rpc.ts';
import { authRoutes } from './routes.ts';

export interface AuthSetup {
  options: Pick<BoardServerOptions, 'identifier' | 'authRoutes' | 'source'>;
  accounts: Accounts | null;
  close(): void;
}

export async function setupAuth(context: {
  auth: AuthConfig | undefined;
  host: string;
  source: BoardSource;
  dataDir: string | null;
  boardToken: string;
  clock: Clock;
  env?: NodeJS.ProcessEnv;
}): Promise<AuthSetup> {
  if (!context.auth) {
    if (!isLoopbackHost(context.host)) {
      throw new Error(
        `refusing to serve the board on ${context.host} without an auth: section in the config: ` +
          'anyone who can reach it could see the board and use the board token. Add auth: (users, ' +
          'oidc; see README, Users and sign-in) or bind to 127.0.0.1 behind a proxy that signs people in.',
      );
    }
    return { options: { source: context.source }, accounts: null, close: () => {} };
  }
  const oidc = context.auth.oidc
    ? await OidcSignIn.create(context.auth.oidc, context.clock, context.env ?? process.env)
    : null;
  const store = new StoreDatabase(context.dataDir);
  const tables = new AuthTables(store);
  const accounts = await Accounts.create(context.auth, tables, {
    clock: context.clock,
    boardToken: context.boardToken,
    ...(context.env ? { env: context.env } : {}),
  });
  return {
    options: {
      source: withAuthMethods(context.source, tables, context.clock, () => accounts.revoked()),
      identifier: accounts,
      authRoutes: authRoutes({ accounts, oidc }),
    },
    accounts,
    close: () => store.db.close(),
  };
}
