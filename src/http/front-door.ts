// What every HTTP request to /graphql meets before Yoga: security headers, CORS, the client's address,
// rate limits, the cap on open SSE streams, and the body: only JSON or GraphQL, no larger than the limit.
// Anything refused here is answered at once, as a GraphQL-shaped JSON error, and never parsed.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config.js';
import { ConnectionCounter } from './connections.js';
import { GRAPHIQL_CSP } from './graphiql.js';
import { RateLimiter, type Admission } from './rate-limit.js';

export type FrontDoorConfig = Pick<
  Config,
  'corsOrigins' | 'trustProxy' | 'rateLimitClient' | 'rateLimitKey' | 'rateLimitAuthFailures' | 'maxBodyBytes' | 'maxConnectionsPerClient' | 'graphiql'
>;

/** Headers every response carries: no sniffing, no framing, no referrer, and a policy that allows nothing. */
const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  // Responses are JSON or event streams, never a page: nothing in them may load or run anything.
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

/** Request bodies that execute: GraphQL over HTTP's JSON, and a bare GraphQL document. */
const EXECUTABLE_BODY = /^application\/(json|graphql-response\+json|graphql\+json|graphql)\s*(;|$)/i;

const ALLOWED_HEADERS = 'accept, authorization, content-type, x-request-id, last-event-id';

/** What the front door learned about a request it let through. */
export interface Admitted {
  /** The client's address (the proxy's view of it with TRUST_PROXY). */
  client: string;
}

function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/** The client's address: the socket's peer, or with a trusted proxy in front, the address it saw. */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').map((hop) => hop.trim());
    // The last hop is the one the trusted proxy appended; earlier ones are the client's to forge.
    const last = hops.filter(Boolean).at(-1);
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/** A bearer token's bucket: its hash, so the limiter never holds a key. */
function keyBucket(authorization: string): string {
  return `key:${createHash('sha256').update(authorization).digest('base64url')}`;
}

/** The limits shared by HTTP and WebSocket requests of one server. */
export class ClientLimits {
  readonly requests: RateLimiter;
  readonly keys: RateLimiter;
  readonly authFailures: RateLimiter;
  readonly connections: ConnectionCounter;

  constructor(config: FrontDoorConfig) {
    this.requests = new RateLimiter(config.rateLimitClient);
    this.keys = new RateLimiter(config.rateLimitKey);
    this.authFailures = new RateLimiter(config.rateLimitAuthFailures);
    this.connections = new ConnectionCounter(config.maxConnectionsPerClient);
  }

  /**
   * Admits one request or operation from `client` carrying `authorization` (if any): refused while the client
   * has spent its allowance of wrong keys, then counted against the key's allowance, or the client's without one.
   */
  admit(client: string, authorization: string | undefined): Admission {
    const failures = this.authFailures.peek(client);
    if (!failures.ok) return failures;
    return authorization ? this.keys.take(keyBucket(authorization)) : this.requests.take(client);
  }

  /** Records a request with a wrong, revoked or malformed key. */
  authFailed(client: string): void {
    this.authFailures.take(client);
  }
}

/** The refusal for a request over a rate limit: 429 with Retry-After. */
export function rateLimited(res: ServerResponse, admission: Extract<Admission, { ok: false }>): void {
  sendError(res, 429, 'RATE_LIMITED', `too many requests: try again in ${admission.retryAfterSeconds} s`, {
    'retry-after': String(admission.retryAfterSeconds),
  });
}

/**
 * Handles what comes before Yoga for a request to /graphql. Resolves with what Yoga needs to know, or
 * undefined when it answered the request itself (a preflight, a refusal).
 */
export async function frontDoor(req: IncomingMessage, res: ServerResponse, config: FrontDoorConfig, limits: ClientLimits): Promise<Admitted | undefined> {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  // What Yoga answers with the GraphiQL page (its shouldRenderGraphiQL): that page may load its own files.
  if (config.graphiql && req.method === 'GET' && (req.headers.accept ?? '').includes('text/html')) res.setHeader('content-security-policy', GRAPHIQL_CSP);
  if (!cors(req, res, config)) return undefined;

  const client = clientAddress(req, config.trustProxy);
  const authorization = req.headers.authorization;
  const admission = limits.admit(client, authorization);
  if (!admission.ok) {
    rateLimited(res, admission);
    return undefined;
  }

  if (req.method === 'POST') {
    const type = req.headers['content-type'] ?? '';
    if (!EXECUTABLE_BODY.test(type)) {
      // Form and multipart bodies are what a cross-site form can send without a preflight.
      sendError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'send the operation as application/json (or application/graphql)');
      return undefined;
    }
    const body = await readBody(req, config.maxBodyBytes);
    if (body === undefined) {
      sendError(res, 413, 'PAYLOAD_TOO_LARGE', `the request body is larger than ${config.maxBodyBytes} bytes`, { connection: 'close' });
      return undefined;
    }
    // Yoga reads a body already read from `body` (as behind a framework that parsed it).
    (req as IncomingMessage & { body?: Buffer }).body = body;
  }

  if ((req.headers.accept ?? '').includes('text/event-stream')) {
    if (!limits.connections.acquire(client)) {
      sendError(res, 429, 'TOO_MANY_CONNECTIONS', 'this client holds as many open streams and sockets as it may: close one first', {
        'retry-after': '10',
      });
      return undefined;
    }
    res.once('close', () => limits.connections.release(client));
  }
  return { client };
}

/** Sets CORS headers; answers a preflight itself. Returns false when the request is answered. */
function cors(req: IncomingMessage, res: ServerResponse, config: FrontDoorConfig): boolean {
  const origin = req.headers.origin;
  if (origin) {
    if (!config.corsOrigins) {
      // Keys travel in a header, never in cookies: any page may call the API, none with credentials.
      res.setHeader('access-control-allow-origin', '*');
    } else if (config.corsOrigins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('vary', 'Origin');
    } else {
      res.setHeader('vary', 'Origin');
    }
    res.setHeader('access-control-expose-headers', 'x-request-id, retry-after');
  }
  if (req.method !== 'OPTIONS') return true;
  if (origin && res.hasHeader('access-control-allow-origin')) {
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
    res.setHeader('access-control-max-age', '600');
  }
  res.writeHead(204);
  res.end();
  return false;
}

/** Reads the body, or resolves undefined as soon as it passes `limit` bytes (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}
