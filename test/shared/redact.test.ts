import { describe, expect, it } from 'vitest';
import { isSecretParam, redactResult, redactText, redactUrl } from '../../src/shared/redact.ts';

describe('redacting URLs', () => {
  it('replaces userinfo, with or without a password', () => {
    expect(redactUrl('https://user:pa55@host.example/health')).toBe('https://***@host.example/health');
    expect(redactUrl('https://ghp_token@host.example/')).toBe('https://***@host.example/');
    // The last @ of the authority ends the userinfo, as URL parsers read it.
    expect(redactUrl('https://u:p@ss@host.example:8443/a@b')).toBe('https://***@host.example:8443/a@b');
  });

  it('replaces the values of secret query parameters and keeps the rest byte for byte', () => {
    const names = ['apikey', 'api_key', 'API-Key', 'token', 'access_token', 'password', 'key', 'secret', 'signature'];
    for (const name of names) {
      expect(redactUrl(`https://h/x?region=hk%20a&${name}=s3cr%2Ft&v=1`)).toBe(
        `https://h/x?region=hk%20a&${name}=***&v=1`,
      );
    }
    expect(redactUrl('https://s3/b/o?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abc&X-Amz-Security-Token=t')).toBe(
      'https://s3/b/o?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Security-Token=***',
    );
  });

  it('redacts secrets in the fragment too (OAuth implicit grants put tokens there)', () => {
    expect(redactUrl('https://h/cb#access_token=abc&state=1')).toBe('https://h/cb#access_token=***&state=1');
  });

  it('leaves a URL without secrets exactly as written', () => {
    for (const url of ['http://127.0.0.1:8080', 'https://h/x?monkey=1&q=a+b', 'https://h/x?token=', 'https://h/?a']) {
      expect(redactUrl(url)).toBe(url);
    }
  });

  it('finds URLs in free text', () => {
    expect(redactText('redirect loop back to http://u:p@h/x?token=abc; giving up')).toBe(
      'redirect loop back to http://***@h/x?token=***; giving up',
    );
    expect(redactText('connection refused')).toBe('connection refused');
  });

  it('redacts a result’s message and final URL, and returns the same object when there is nothing to hide', () => {
    const clean = { message: 'HTTP 200', finalUrl: 'https://h/next' };
    expect(redactResult(clean)).toBe(clean);
    expect(redactResult({ message: 'to https://h/?key=k', finalUrl: 'https://h/?key=k' })).toEqual({
      message: 'to https://h/?key=***',
      finalUrl: 'https://h/?key=***',
    });
  });

  it('knows secret parameter names, not every name containing "key"', () => {
    expect(isSecretParam('client_secret')).toBe(true);
    expect(isSecretParam('refresh-token')).toBe(true);
    expect(isSecretParam('keyword')).toBe(false);
    expect(isSecretParam('region')).toBe(false);
  });
});
