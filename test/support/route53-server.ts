/**
 * A local stand-in for the AWS Route 53 API: Route 53 cannot be reached from here, so this
 * server speaks its documented REST/XML wire format (API version 2013-04-01) for the two calls
 * Knockon makes, and checks that every request is SigV4-signed by recomputing the signature
 * with the test's credentials (written from the SigV4 specification, not taken from the SDK).
 *
 *   POST /2013-04-01/hostedzone/{Id}/rrset   ChangeResourceRecordSetsRequest → ChangeInfo (PENDING)
 *   GET  /2013-04-01/change/{Id}             GetChange → PENDING, then INSYNC after `pendingPolls`
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const NS = 'https://route53.amazonaws.com/doc/2013-04-01/';

export interface RecordedChange {
  zoneId: string;
  action: string;
  name: string;
  type: string;
  ttl: number;
  values: string[];
  comment: string | null;
}

export class Route53Server {
  url = '';
  readonly changes: RecordedChange[] = [];
  /** Every request's signature check, in order. */
  readonly signatures: { path: string; ok: boolean; reason: string; credential: string }[] = [];
  readonly records = new Map<string, { ttl: number; values: string[] }>();
  private server: Server | null = null;
  private readonly changeStatus = new Map<string, { polls: number; submittedAt: string }>();
  private nextChange = 1;
  readonly options: { accessKeyId: string; secretAccessKey: string; zoneId: string; pendingPolls: number };

  constructor(options: Route53Server['options']) {
    this.options = options;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => this.handle(req, body, res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private handle(req: IncomingMessage, body: string, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const signature = verifySigV4(req, body, this.options);
    this.signatures.push({ path, ...signature });
    if (!signature.ok) return this.error(res, 403, 'SignatureDoesNotMatch', signature.reason);

    const rrset = /^\/2013-04-01\/hostedzone\/([^/]+)\/rrset\/?$/.exec(path);
    if (req.method === 'POST' && rrset) {
      if (rrset[1] !== this.options.zoneId)
        return this.error(res, 404, 'NoSuchHostedZone', `No hosted zone found with ID: ${rrset[1]}`);
      const change = parseChange(rrset[1]!, body);
      if (!change) return this.error(res, 400, 'InvalidChangeBatch', 'Could not parse the change batch');
      this.changes.push(change);
      this.records.set(`${change.name} ${change.type}`, { ttl: change.ttl, values: change.values });
      const id = `C${String(this.nextChange++).padStart(12, '0')}`;
      const submittedAt = new Date().toISOString();
      this.changeStatus.set(id, { polls: 0, submittedAt });
      return this.xml(
        res,
        200,
        `<ChangeResourceRecordSetsResponse xmlns="${NS}"><ChangeInfo><Id>/change/${id}</Id><Status>PENDING</Status><SubmittedAt>${submittedAt}</SubmittedAt><Comment>${change.comment ?? ''}</Comment></ChangeInfo></ChangeResourceRecordSetsResponse>`,
      );
    }
    const change = /^\/2013-04-01\/change\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && change) {
      const entry = this.changeStatus.get(change[1]!);
      if (!entry) return this.error(res, 404, 'NoSuchChange', `A change with the specified change ID does not exist.`);
      entry.polls++;
      const status = entry.polls > this.options.pendingPolls ? 'INSYNC' : 'PENDING';
      return this.xml(
        res,
        200,
        `<GetChangeResponse xmlns="${NS}"><ChangeInfo><Id>/change/${change[1]}</Id><Status>${status}</Status><SubmittedAt>${entry.submittedAt}</SubmittedAt></ChangeInfo></GetChangeResponse>`,
      );
    }
    this.error(res, 404, 'NotFound', `no route for ${req.method} ${path}`);
  }

  private xml(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': `req-${Date.now()}` });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  }

  private error(res: ServerResponse, status: number, code: string, message: string): void {
    this.xml(
      res,
      status,
      `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-${Date.now()}</RequestId></ErrorResponse>`,
    );
  }
}

function tag(xml: string, name: string): string | null {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? null;
}

function parseChange(zoneId: string, body: string): RecordedChange | null {
  if (!body.includes('<ChangeResourceRecordSetsRequest')) return null;
  const action = tag(body, 'Action');
  const name = tag(body, 'Name');
  const type = tag(body, 'Type');
  const ttl = tag(body, 'TTL');
  const values = [...body.matchAll(/<Value>([^<]*)<\/Value>/g)].map((m) => m[1]!);
  if (!action || !name || !type || !ttl || values.length === 0) return null;
  return { zoneId, action, name, type, ttl: Number(ttl), values, comment: tag(body, 'Comment') };
}

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** AWS Signature Version 4, recomputed from the request as received. */
function verifySigV4(
  req: IncomingMessage,
  body: string,
  creds: { accessKeyId: string; secretAccessKey: string },
): { ok: boolean; reason: string; credential: string } {
  const auth = req.headers.authorization ?? '';
  const match = /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!match) return { ok: false, reason: `not a SigV4 Authorization header: "${auth}"`, credential: '' };
  const [, credential, signedHeaders, signature] = match as unknown as [string, string, string, string];
  const [accessKeyId, date, region, service, terminator] = credential.split('/');
  if (accessKeyId !== creds.accessKeyId) return { ok: false, reason: 'unknown access key', credential };
  if (service !== 'route53' || terminator !== 'aws4_request')
    return { ok: false, reason: `wrong scope ${credential}`, credential };
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date!))
    return { ok: false, reason: 'x-amz-date does not match the credential scope', credential };
  const url = new URL(req.url ?? '/', 'http://x');
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
    .join('&');
  const headerNames = signedHeaders.split(';');
  if (!headerNames.includes('host') || !headerNames.includes('x-amz-date')) {
    return { ok: false, reason: 'host and x-amz-date must be signed', credential };
  }
  const canonicalHeaders = headerNames
    .map(
      (name) =>
        `${name}:${String(req.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const payloadHash = sha256(body);
  const claimed = req.headers['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== payloadHash)
    return { ok: false, reason: 'payload hash mismatch', credential };
  // Route 53 is not S3: the path is URI-encoded twice, which leaves these plain paths as they are.
  const canonicalPath = url.pathname
    .split('/')
    .map((s) => encodeURIComponent(encodeURIComponent(decodeURIComponent(s))))
    .join('/');
  const canonicalRequest = [req.method, canonicalPath, query, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, date!), region!), service!), 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  if (expected !== signature) return { ok: false, reason: 'signature does not match', credential };
  return { ok: true, reason: 'signature verified', credential };
}
