import { describe, expect, it } from 'vitest';
import {
  clientKey,
  hostNameOf,
  isLoopback,
  isLoopbackHost,
  isOwnOrigin,
  originHostName,
} from '../../src/server/client-address.ts';

describe('client addresses', () => {
  it('counts an IPv6 client by its /64, since it may pick any address in it', () => {
    expect(clientKey('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:0:0:0:1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:3::9')).not.toBe(clientKey('2001:db8:1:2::9'));
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('counts an IPv4 client by its address, also when it arrives IPv4-mapped', () => {
    expect(clientKey('192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey(undefined)).toBe('unknown');
  });

  it('knows this machine by 127.0.0.0/8 and ::1 only', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      expect(isLoopback(a)).toBe(true);
    }
    for (const a of ['192.0.2.2', '::', '::2', '1::1', 'fd00::1', '::ffff:10.0.0.1', undefined]) {
      expect(isLoopback(a)).toBe(false);
    }
  });

  it('reads the name from a Host header, and nothing from one that is not a plain host', () => {
    expect(hostNameOf('Board.NOC.example:8080')).toBe('board.noc.example');
    expect(hostNameOf('[::1]:8080')).toBe('[::1]');
    expect(hostNameOf('127.0.0.1')).toBe('127.0.0.1');
    expect(hostNameOf('localhost.')).toBe('localhost');
    for (const bad of ['', 'evil@127.0.0.1', 'localhost/x', 'a b', 'host:99999999', '-x.example', 'x:']) {
      expect(hostNameOf(bad)).toBeNull();
    }
  });

  it('reads the name from an http(s) origin only', () => {
    expect(originHostName('http://localhost:8080')).toBe('localhost');
    expect(originHostName('https://board.noc.example')).toBe('board.noc.example');
    expect(originHostName('null')).toBeNull();
    expect(originHostName('file://')).toBeNull();
    expect(originHostName('chrome-extension://abcdef')).toBeNull();
  });

  it('knows a loopback host name or address as given to --host or in a URL', () => {
    for (const h of ['localhost', 'LOCALHOST', '127.0.0.1', '127.9.9.9', '::1', '[::1]']) {
      expect(isLoopbackHost(h)).toBe(true);
    }
    for (const h of ['0.0.0.0', '::', '[::]', '10.0.0.1', 'localhost.example', '128.0.0.1', '127.0.0']) {
      expect(isLoopbackHost(h)).toBe(false);
    }
  });

  it('takes an origin as the board own only with the same host and port it was asked by', () => {
    expect(isOwnOrigin('http://127.0.0.1:8080', '127.0.0.1:8080')).toBe(true);
    expect(isOwnOrigin('http://Board.Example:8080', 'board.example:8080')).toBe(true);
    expect(isOwnOrigin('https://board.example', 'board.example:443')).toBe(true);
    expect(isOwnOrigin('http://[::1]:8080', '[::1]:8080')).toBe(true);
    expect(isOwnOrigin('http://127.0.0.1:8081', '127.0.0.1:8080')).toBe(false);
    expect(isOwnOrigin('http://127.0.0.1', '127.0.0.1:8080')).toBe(false);
    expect(isOwnOrigin('http://localhost:8080', '127.0.0.1:8080')).toBe(false);
    expect(isOwnOrigin('null', '127.0.0.1:8080')).toBe(false);
    expect(isOwnOrigin('file:///x', '127.0.0.1:8080')).toBe(false);
    expect(isOwnOrigin('http://127.0.0.1:8080', undefined)).toBe(false);
    expect(isOwnOrigin('http://evil.example@127.0.0.1:8080', 'evil.example@127.0.0.1:8080')).toBe(false);
  });
});
