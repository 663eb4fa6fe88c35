import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRendererFile, RENDERER_CSP, resolveRendererFile } from '../../src/main/renderer-files.ts';

let base: string;
let root: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'knockon-renderer-'));
  root = join(base, 'renderer');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>board</title>');
  await writeFile(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  // A sibling whose name starts like the root: a startsWith check would let it through.
  await mkdir(join(base, 'renderer-secrets'));
  await writeFile(join(base, 'renderer-secrets', 'key.txt'), 'SECRET');
  await writeFile(join(base, 'outside.txt'), 'SECRET');
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('the app protocol serves the built renderer', () => {
  it('serves index.html for the root, with its type and the CSP header', async () => {
    const response = await readRendererFile(root, 'app://knockon/');
    expect(response.status).toBe(200);
    expect(String(response.body)).toContain('<title>board</title>');
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toBe(RENDERER_CSP);
    expect(RENDERER_CSP).toContain("frame-ancestors 'none'");
  });

  it('serves an asset, ignoring the query', async () => {
    const response = await readRendererFile(root, 'app://knockon/assets/index-abc.js?v=1');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('answers 404 with the CSP for a missing file and for a directory', async () => {
    for (const url of ['app://knockon/nope.js', 'app://knockon/assets']) {
      const response = await readRendererFile(root, url);
      expect(response.status).toBe(404);
      expect(response.headers['content-security-policy']).toBe(RENDERER_CSP);
    }
  });
});

describe('path traversal is refused', () => {
  const attempts = [
    'app://knockon/..%2Foutside.txt',
    'app://knockon/..%5Coutside.txt',
    'app://knockon/assets%2F..%2F..%2Foutside.txt',
    'app://knockon/index.html%00.js',
    'app://knockon/C:%5Cwindows%5Cwin.ini',
    'app://knockon/%E0%A4%A',
    'app://knockon//etc/passwd',
  ];
  for (const url of attempts) {
    it(`refuses ${url}`, async () => {
      expect(resolveRendererFile(root, url)).toBeNull();
      const response = await readRendererFile(root, url);
      expect(response.status).toBe(404);
      expect(String(response.body)).not.toContain('SECRET');
    });
  }

  it('keeps dot segments, plain or percent-encoded, inside the root (the URL parser removes them first)', async () => {
    const cases = [
      ['app://knockon/../../outside.txt', 'outside.txt'],
      ['app://knockon/%2e%2e/outside.txt', 'outside.txt'],
      ['app://knockon/assets/%2E%2E/%2E%2E/outside.txt', 'outside.txt'],
      ['app://knockon/%2e%2e/renderer-secrets/key.txt', join('renderer-secrets', 'key.txt')],
    ];
    for (const [url, inside] of cases) {
      expect(resolveRendererFile(root, url!)).toBe(join(root, inside!));
      const response = await readRendererFile(root, url!);
      expect(response.status).toBe(404);
      expect(String(response.body)).not.toContain('SECRET');
    }
  });

  it('refuses other hosts and schemes', () => {
    expect(resolveRendererFile(root, 'app://other/index.html')).toBeNull();
    expect(resolveRendererFile(root, 'app://knockon:1/index.html')).toBeNull();
    expect(resolveRendererFile(root, 'file:///index.html')).toBeNull();
  });
});
