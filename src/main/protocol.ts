import { app, protocol } from 'electron';
import { fileURLToPath } from 'node:url';
import { APP_SCHEME, devServerUrl, type OriginPolicy } from './app-origin.ts';
import { readRendererFile } from './renderer-files.ts';

/**
 * Must run before `ready`. Standard gives the page a real origin (so 'self' in the CSP, relative
 * URLs and same-origin module scripts work); secure makes it a secure context. No CORS, fetch
 * or service-worker privileges: the board needs none of them.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
}

/** Serves `app://knockon/...` from the built renderer, and nothing else: no file:// page at all. */
export function setupAppProtocol(): void {
  const root = fileURLToPath(new URL('../renderer/', import.meta.url));
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('method not allowed', { status: 405 });
    }
    const { status, headers, body } = await readRendererFile(root, request.url);
    return new Response(request.method === 'HEAD' ? null : body, { status, headers });
  });
}

/** Which origins are the board here: what the window loads and what IPC accepts agree on it. */
export function originPolicy(): OriginPolicy {
  return { packaged: app.isPackaged, devUrl: devServerUrl(app.isPackaged, process.env) };
}
