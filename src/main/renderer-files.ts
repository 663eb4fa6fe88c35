/**
 * The built renderer as the app protocol serves it: a request URL maps to one file inside the
 * renderer directory or to nothing. No electron import, so it is tested on real files.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve } from 'node:path';
import { APP_HOST, APP_SCHEME } from './app-origin.ts';
import { CONTENT_TYPES } from '../shared/content-types.ts';

/**
 * The page's policy, sent as a header so it holds even for responses without the HTML meta tag
 * (and so frame-ancestors, which a meta tag cannot set, applies). The desktop board talks to the
 * engine over IPC only: it connects nowhere.
 */
export const RENDERER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'none'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/**
 * The file a request URL names inside `root`, or null. Only `app://knockon/...`; each path
 * segment is decoded and must be a plain name, so `..`, `%2e%2e`, an encoded slash or backslash,
 * a NUL or a drive letter never reaches the file system.
 */
export function resolveRendererFile(root: string, requestUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || url.username || url.password) return null;
  const raw = url.pathname === '/' ? '/index.html' : url.pathname;
  const segments: string[] = [];
  for (const part of raw.slice(1).split('/')) {
    let name: string;
    try {
      name = decodeURIComponent(part);
    } catch {
      return null;
    }
    if (name === '' || name === '.' || name === '..' || /[/\\\0:]/.test(name)) return null;
    segments.push(name);
  }
  const base = resolve(root);
  const full = join(base, ...segments);
  const inside = relative(base, full);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return null;
  return full;
}

export interface RendererResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

const SECURITY_HEADERS = {
  'content-security-policy': RENDERER_CSP,
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
};

/** The response for one request: the file with its type and the CSP, or a 404 that says nothing more. */
export async function readRendererFile(root: string, requestUrl: string): Promise<RendererResponse> {
  const notFound: RendererResponse = {
    status: 404,
    headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' },
    body: 'not found',
  };
  const file = resolveRendererFile(root, requestUrl);
  if (file === null) return notFound;
  try {
    if (!(await stat(file)).isFile()) return notFound;
    const body = await readFile(file);
    return {
      status: 200,
      headers: { ...SECURITY_HEADERS, 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' },
      body,
    };
  } catch {
    return notFound;
  }
}
