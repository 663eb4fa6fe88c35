/**
 * A local stand-in for the AWS Route 53 API: Route 53 cannot be reached from here, so this
 * server speaks its documented REST/XML wire format (API version 2013-04-01) for the two calls
 * Knockon makes, and checks that every request is SigV4-signed by recomputing the signature
 * with the test's credentials (written from the SigV4 specification, not taken from the SDK).
 *
 *   POST /2013-04-01/hostedzone/{Id}/rrset   ChangeResourceRecordSetsRequest → ChangeInfo (PENDING)
 *   GET  /2013-04-01/change/{Id}             GetChange → PENDING, then INSYNC after `pendingPolls`
 *   POST /2013-04-01/healthcheck/{Id}        UpdateHealthCheckRequest (Inverted) → HealthCheck
 *   GET  /2013-04-01/healthcheck/{Id}/status GetHealthCheckStatus → HealthCheckObservations
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
  /** Failover routing: SetIdentifier, Failover (PRIMARY or SECONDARY) and HealthCheckId. */
  setIdentifier?: string;
  failover?: string;
  healthCheckId?: string;
}

/** A health check as the test sets it: each checker's status line, and whether it is inverted. */
export interface HealthCheckState {
  statuses: string[];
  inverted: boolean;
}

export class Route53Server {
  url = '';
  readonly changes: RecordedChange[] = [];
  /** Every request's signature check, in order. */
  readonly signatures: { path: string; ok: boolean; reason: string; credential: string }[] = [];
  readonly records = new Map<string, { ttl: number; values: string[] }>();
  /** By health check id; an unknown id is answered with NoSuchHealthCheck. */
  readonly healthChecks = new Map<string, HealthCheckState>();
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
      const batch = parseChanges(rrset[1]!, body);
      if (!batch) return this.error(res, 400, 'InvalidChangeBatch', 'Could not parse the change batch');
      for (const c of batch) {
        this.changes.push(c);
        const key = `${c.name} ${c.type}${c.setIdentifier ? ` ${c.setIdentifier}` : ''}`;
        this.records.set(key, { ttl: c.ttl, values: c.values });
      }
      const change = batch[0]!;
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
    const health = /^\/2013-04-01\/healthcheck\/([^/]+)(\/status)?$/.exec(path);
    if (health) return this.healthCheck(req.method ?? '', health[1]!, health[2] !== undefined, body, res);
    this.error(res, 404, 'NotFound', `no route for ${req.method} ${path}`);
  }

  private healthCheck(method: string, id: string, status: boolean, body: string, res: ServerResponse): void {
    const check = this.healthChecks.get(id);
    if (!check) return this.error(res, 404, 'NoSuchHealthCheck', `No health check exists with the ID ${id}`);
    if (method === 'GET' && status) {
      const observations = check.statuses
        .map(
          (s, i) =>
            `<HealthCheckObservation><Region>us-east-1</Region><IPAddress>192.0.2.${i + 1}</IPAddress><StatusReport><Status>${s}</Status><CheckedTime>${new Date().toISOString()}</CheckedTime></StatusReport></HealthCheckObservation>`,
        )
        .join('');
      return this.xml(
        res,
        200,
        `<GetHealthCheckStatusResponse xmlns="${NS}"><HealthCheckObservations>${observations}</HealthCheckObservations></GetHealthCheckStatusResponse>`,
      );
    }
    if (method === 'POST' && !status) {
      if (!body.includes('<UpdateHealthCheckRequest'))
        return this.error(res, 400, 'InvalidInput', 'expected UpdateHealthCheckRequest');
      const inverted = tag(body, 'Inverted');
      if (inverted !== null) check.inverted = inverted === 'true';
      return this.xml(
        res,
        200,
        `<UpdateHealthCheckResponse xmlns="${NS}"><HealthCheck><Id>${id}</Id><CallerReference>knockon-test</CallerReference><HealthCheckConfig><Type>HTTP</Type><Inverted>${check.inverted}</Inverted></HealthCheckConfig><HealthCheckVersion>2</HealthCheckVersion></HealthCheck></UpdateHealthCheckResponse>`,
      );
    }
    this.error(res, 404, 'NotFound', `no route for ${method} healthcheck ${id}`);
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

/** Every <Change> of a ChangeResourceRecordSetsRequest, or null when one is incomplete. */
function parseChanges(zoneId: string, body: string): RecordedChange[] | null {
  if (!body.includes('<ChangeResourceRecordSetsRequest')) return null;
  const comment = tag(body, 'Comment');
  const blocks = [...body.matchAll(/<Change>([\s\S]*?)<\/Change>/g)].map((m) => m[1]!);
  const changes: RecordedChange[] = [];
  for (const block of blocks) {
    const action = tag(block, 'Action');
    const name = tag(block, 'Name');
    const type = tag(block, 'Type');
    const ttl = tag(block, 'TTL');
    const values = [...block.matchAll(/<Value>([^<]*)<\/Value>/g)].map((m) => m[1]!);
    if (!action || !name || !type || !ttl || values.length === 0) return null;
    const setIdentifier = tag(block, 'SetIdentifier');
    const failover = tag(block, 'Failover');
    const healthCheckId = tag(block, 'HealthCheckId');
    changes.push({
      zoneId,
      action,
      name,
      type,
      ttl: Number(ttl),
      values,
      comment,
      ...(setIdentifier ? { setIdentifier } : {}),
      ...(failover ? { failover } : {}),
      ...(healthCheckId ? { healthCheckId } : {}),
    });
  }
  return changes.length > 0 ? changes : null;
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
