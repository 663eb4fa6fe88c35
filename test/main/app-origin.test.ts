import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  boardUrl,
  devServerUrl,
  isSamePage,
  isTrustedSender,
  originOf,
} from '../../src/main/app-origin.ts';

const packaged = { packaged: true, devUrl: null };
const dev = { packaged: false, devUrl: 'http://localhost:5173/' };
const top = (url: string, origin = originOf(url) ?? 'null') => ({ url, origin, topLevel: true });

describe('IPC sender origin', () => {
  it('trusts the top-level board page on the app protocol', () => {
    expect(isTrustedSender(top('app://knockon/index.html?wall=1#/wall'), packaged)).toBe(true);
  });

  it('refuses any file:// page, which the old prefix check let through', () => {
    expect(isTrustedSender(top('file:///tmp/evil.html', 'file://'), packaged)).toBe(false);
    expect(isTrustedSender(top('file:///tmp/evil.html', 'file://'), dev)).toBe(false);
  });

  it('refuses look-alike app origins: another host, a port, credentials, another scheme', () => {
    expect(isTrustedSender(top('app://knockon.evil/index.html'), packaged)).toBe(false);
    expect(isTrustedSender(top('app://knockon:8080/index.html', 'app://knockon:8080'), packaged)).toBe(false);
    expect(isTrustedSender(top('app://x@knockon/index.html', APP_ORIGIN), packaged)).toBe(false);
    expect(isTrustedSender(top('apps://knockon/index.html', 'apps://knockon'), packaged)).toBe(false);
  });

  it('refuses a sub-frame, a missing frame, and a frame whose Chromium origin disagrees with its URL', () => {
    expect(isTrustedSender({ ...top('app://knockon/index.html'), topLevel: false }, packaged)).toBe(false);
    expect(isTrustedSender(null, packaged)).toBe(false);
    expect(isTrustedSender({ url: 'app://knockon/index.html', origin: 'null', topLevel: true }, packaged)).toBe(false);
    expect(isTrustedSender({ url: '', origin: APP_ORIGIN, topLevel: true }, packaged)).toBe(false);
  });

  it('trusts the dev server origin only in development, and only that exact origin', () => {
    expect(isTrustedSender(top('http://localhost:5173/?x=1#/checks'), dev)).toBe(true);
    expect(isTrustedSender(top('http://localhost:5173/'), { packaged: true, devUrl: dev.devUrl })).toBe(false);
    // A prefix match would have accepted these.
    expect(isTrustedSender(top('http://localhost:51730/'), dev)).toBe(false);
    expect(isTrustedSender(top('http://localhost:5173.evil.test/'), dev)).toBe(false);
    expect(isTrustedSender(top('https://localhost:5173/'), dev)).toBe(false);
  });
});

describe('the dev server URL', () => {
  it('is ignored in packaged builds', () => {
    expect(devServerUrl(true, { ELECTRON_RENDERER_URL: 'http://localhost:5173' })).toBeNull();
    expect(devServerUrl(false, { ELECTRON_RENDERER_URL: 'http://localhost:5173' })).toBe('http://localhost:5173/');
  });

  it('is ignored unless it is an http(s) URL', () => {
    expect(devServerUrl(false, { ELECTRON_RENDERER_URL: 'file:///tmp/evil.html' })).toBeNull();
    expect(devServerUrl(false, { ELECTRON_RENDERER_URL: 'not a url' })).toBeNull();
    expect(devServerUrl(false, {})).toBeNull();
  });
});

describe('the board window URL', () => {
  it('is the app protocol in a packaged build, with the wall options and the view', () => {
    expect(boardUrl(packaged, { wall: '1', dwell: '30' }, '/wall')).toBe(
      'app://knockon/index.html?wall=1&dwell=30#/wall',
    );
  });

  it('is the dev server in development', () => {
    expect(boardUrl(dev, {}, '/checks')).toBe('http://localhost:5173/#/checks');
  });
});

describe('navigation', () => {
  it('allows a hash change on the board', () => {
    expect(isSamePage('app://knockon/index.html#/checks', 'app://knockon/index.html#/wall')).toBe(true);
  });

  it('refuses another scheme with the same path, which opaque-origin comparison let through', () => {
    expect(isSamePage('app://knockon/index.html', 'evil://knockon/index.html')).toBe(false);
    expect(isSamePage('app://knockon/index.html', 'file:///index.html')).toBe(false);
    expect(isSamePage('app://knockon/index.html', 'app://other/index.html')).toBe(false);
    expect(isSamePage('app://knockon/index.html', 'app://knockon/other.html')).toBe(false);
  });
});
