import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  key: string;
  cert: string;
}

export interface TestCerts {
  dir: string;
  /** PEM file of the test CA, for a check's `tls.ca_file`. */
  caFile: string;
  /** Signed by the CA for localhost and 127.0.0.1, valid 30 days. */
  good: KeyPair;
  /** Signed by the CA for localhost, valid 5 days (to test min_days_left). */
  expiringSoon: KeyPair;
  /** Signed by the CA for wrong.example.net only. */
  wrongHost: KeyPair;
  /** Signed by the CA for localhost, expired in 2020. */
  expired: KeyPair;
  /** Signed by itself for localhost. */
  selfSigned: KeyPair;
  /** Another leaf signed by the CA, for the SAN given (`IP:127.0.0.1`, `DNS:x,IP:y`). */
  issue(name: string, san: string, days?: number): KeyPair;
  cleanup(): void;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * Generates a test CA and leaf certificates with the openssl CLI. OpenSSL 3.0 cannot back-date
 * with `req` or `x509`, so the expired one goes through `openssl ca -startdate -enddate`.
 */
export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'knockon-certs-'));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '3650',
    '-subj',
    '/CN=Knockon Test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  writeFileSync(at('index.txt'), '');
  writeFileSync(at('serial'), '1000\n');
  writeFileSync(
    at('ca.cnf'),
    `[ca]\ndefault_ca = test\n[test]\ndir = ${dir}\ndatabase = $dir/index.txt\nnew_certs_dir = $dir\nserial = $dir/serial\n` +
      `default_md = sha256\npolicy = any\nunique_subject = no\n[any]\ncommonName = supplied\n`,
  );
  const leaf = (name: string, san: string, dates: { days: number } | { start: string; end: string }): KeyPair => {
    openssl('req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(at(`${name}.ext`), `subjectAltName = ${san}\nbasicConstraints = CA:FALSE\n`);
    if ('days' in dates) {
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        String(dates.days),
        '-out',
        `${name}.crt`,
        '-extfile',
        `${name}.ext`,
      );
    } else {
      openssl(
        'ca',
        '-batch',
        '-config',
        'ca.cnf',
        '-cert',
        'ca.crt',
        '-keyfile',
        'ca.key',
        '-in',
        `${name}.csr`,
        '-out',
        `${name}.crt`,
        '-startdate',
        dates.start,
        '-enddate',
        dates.end,
        '-extfile',
        `${name}.ext`,
        '-notext',
      );
    }
    return { key: readFileSync(at(`${name}.key`), 'utf8'), cert: readFileSync(at(`${name}.crt`), 'utf8') };
  };
  const local = 'DNS:localhost,IP:127.0.0.1';
  const good = leaf('good', local, { days: 30 });
  const expiringSoon = leaf('soon', local, { days: 5 });
  const wrongHost = leaf('wrong', 'DNS:wrong.example.net', { days: 30 });
  const expired = leaf('expired', local, { start: '20200101000000Z', end: '20200201000000Z' });
  openssl(
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'self.key',
    '-out',
    'self.crt',
    '-days',
    '30',
    '-subj',
    '/CN=localhost',
    '-addext',
    `subjectAltName=${local}`,
  );
  const selfSigned = { key: readFileSync(at('self.key'), 'utf8'), cert: readFileSync(at('self.crt'), 'utf8') };
  return {
    dir,
    caFile: at('ca.crt'),
    good,
    expiringSoon,
    wrongHost,
    expired,
    selfSigned,
    issue: (name, san, days = 30) => leaf(name, san, { days }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
