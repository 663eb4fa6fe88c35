/**
 * Where the board's page comes from, and who counts as the board. Pure (no electron import) so
 * the rules are tested with vitest; `protocol.ts`, `window.ts`, `ipc.ts` and `security.ts` apply
 * them.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'knockon';
/** Chromium gives a registered standard scheme a tuple origin, serialised like this. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export interface OriginPolicy {
  /** `app.isPackaged`: an installed build never trusts a dev server. */
  packaged: boolean;
  /** The dev server's URL, already filtered by `devServerUrl`. */
  devUrl: string | null;
}

/**
 * electron-vite's dev server, from ELECTRON_RENDERER_URL. Ignored in packaged builds: anyone who
 * can set the environment of an installed app could otherwise point it (and its IPC) at a page
 * of their choosing.
 */
export function devServerUrl(packaged: boolean, env: Record<string, string | undefined>): string | null {
  const raw = env.ELECTRON_RENDERER_URL;
  if (packaged || !raw) return null;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * The origin of a URL as Chromium sees it. Node's URL follows WHATWG, where every non-special
 * scheme (ours included) has the opaque origin "null", which would make all such URLs equal.
 */
export function originOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol === `${APP_SCHEME}:`) {
    // A port or credentials would make it a different (or a disguised) origin.
    if (parsed.host !== APP_HOST || parsed.username !== '' || parsed.password !== '') return null;
    return APP_ORIGIN;
  }
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed.origin;
  return null;
}

/** The board's own origins: the app protocol, and the dev server only in development. */
function trustedOrigins(policy: OriginPolicy): string[] {
  const dev = !policy.packaged && policy.devUrl !== null ? originOf(policy.devUrl) : null;
  return dev === null ? [APP_ORIGIN] : [APP_ORIGIN, dev];
}

export interface SenderFrame {
  url: string;
  /** Chromium's serialised origin of the frame (`WebFrameMain.origin`). */
  origin: string;
  topLevel: boolean;
}

/**
 * Whether an IPC message comes from our own page: a top-level frame whose URL has exactly one of
 * our origins, and whose origin Chromium agrees on (an about:blank or data: frame has an empty
 * or opaque origin and is refused).
 */
export function isTrustedSender(frame: SenderFrame | null, policy: OriginPolicy): boolean {
  if (frame === null || !frame.topLevel) return false;
  const origin = originOf(frame.url);
  return origin !== null && origin === frame.origin && trustedOrigins(policy).includes(origin);
}

/** The page the board window loads, with the wall's options in the query and the view in the hash. */
export function boardUrl(policy: OriginPolicy, query: Record<string, string>, hash: string): string {
  const base = !policy.packaged && policy.devUrl !== null ? policy.devUrl : `${APP_ORIGIN}/index.html`;
  const url = new URL(base);
  url.search = new URLSearchParams(query).toString();
  url.hash = hash;
  return url.href;
}

/**
 * Whether a navigation stays on the board (a hash change): same origin and same path. Anything
 * else is a navigation away.
 */
export function isSamePage(currentUrl: string, targetUrl: string): boolean {
  const current = originOf(currentUrl);
  if (current === null || current !== originOf(targetUrl)) return false;
  return new URL(currentUrl).pathname === new URL(targetUrl).pathname;
}
