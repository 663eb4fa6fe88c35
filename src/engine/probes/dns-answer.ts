import type { Answer } from 'dns-packet';

function host(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function text(data: unknown): string {
  const parts = Array.isArray(data) ? data : [data];
  return parts.map((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : String(p))).join('');
}

/** Canonical IPv6 text (lower case, zeros compressed) so "2001:DB8:0::1" equals "2001:db8::1". */
function ipv6(address: string): string {
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
}

/**
 * One answer record as the text a config would write, so expected and actual values compare
 * as strings: "192.0.2.1", "10 mail.example.net", "0 5 5060 sip.example.net".
 */
export function answerText(answer: Answer): string | null {
  switch (answer.type) {
    case 'A':
      return answer.data;
    case 'AAAA':
      return ipv6(answer.data);
    case 'CNAME':
    case 'NS':
      return host(answer.data);
    case 'MX':
      return `${answer.data.preference ?? 0} ${host(answer.data.exchange)}`;
    case 'TXT':
      return text(answer.data);
    case 'SRV':
      return `${answer.data.priority ?? 0} ${answer.data.weight ?? 0} ${answer.data.port} ${host(answer.data.target)}`;
    case 'SOA': {
      const d = answer.data;
      return `${host(d.mname)} ${host(d.rname)} ${d.serial ?? 0} ${d.refresh ?? 0} ${d.retry ?? 0} ${d.expire ?? 0} ${d.minimum ?? 0}`;
    }
    default:
      return null;
  }
}

/** Normalises an expected value the way `answerText` normalises a received one. */
export function expectedText(type: string, value: string): string {
  const v = value.trim();
  switch (type) {
    case 'AAAA':
      return ipv6(v);
    case 'CNAME':
    case 'NS':
      return host(v);
    case 'MX':
    case 'SRV':
    case 'SOA':
      return v
        .split(/\s+/)
        .map((part) => (/^\d+$/.test(part) ? part : host(part)))
        .join(' ');
    default:
      return v;
  }
}
