// A narrow way into Yoga for the commonest request: `POST /graphql` with a JSON body, a JSON (or no) Accept,
// and an operation that can only be a query. Yoga's own path turns the Node request into a Fetch
// `Request` (URL, headers, body stream, abort signal), runs its onRequest and request-parser hooks, and
// answers through a Fetch `Response` that @whatwg-node writes back to Node; for this request those layers did
// nothing it needs (skipping them took Yoga/@whatwg-node from 14 % to 6 % of the read page's profile and 7 %
// off its instructions: bench/README.md, "Yoga's pipeline on the read page"). This path parses the body the front door already read, then goes through
// Yoga's own `getResultForParams` (its onParams hooks, `getEnveloped`, parse, validate, context, execute,
// every envelop plugin) and its result-process hooks and result processor, and writes what that processor
// answered as @whatwg-node would: the same status line, headers and body.
//
// What it skips, and why that changes nothing for the requests it takes:
// - onRequest hooks: the health check (another path), GraphiQL (GET only), the response cache's conditional
//   answer (only with If-None-Match: such requests are left to Yoga), the unhandled-route check (the path is
//   the endpoint). test/json-post.test.ts fails when a plugin with such a hook is added, so it is looked at.
// - request parsing: the body is parsed here as Yoga's JSON parser would; a body it would refuse (invalid
//   JSON, not an object, a batch, unknown or ill-typed parameters, `extensions`) is left to Yoga.
// - the request's abort signal: nothing on this path reads it (no execution cancellation plugin).
// Anything else (another method, path or media type, SSE or multipart, a subscription, a plugin with
// instrumentation, a request an onParams hook refuses) is left to, or handed back to, Yoga untouched.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ExecutionResult } from 'graphql';

/** The parameters of a GraphQL-over-HTTP request body, as Yoga's JSON parser passes them on. */
interface JsonParams {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/** The part of a Fetch Request the hooks on this path read: the method, the headers, the URL. */
class JsonPostRequest {
  readonly method = 'POST';
  constructor(
    private readonly req: IncomingMessage,
    readonly headers: Headers,
  ) {}

  /** As @whatwg-node builds it from the Host header. */
  get url(): string {
    return `http://${this.req.headers.host ?? 'localhost'}${this.req.url ?? '/'}`;
  }
}

/** What a result processor answered: kept as given, then written the way @whatwg-node writes a Response. */
class CapturedResponse {
  constructor(
    readonly body: unknown,
    readonly init: { status?: number; statusText?: string; headers?: Record<string, string> } = {},
  ) {}
}

const JSON_BODY = /^application\/json\s*(;|$)/i;
/** Media ranges this path answers: the two Yoga serves a single result as (with parameters), or any. */
const JSON_ACCEPT = /^\s*(application\/json|application\/graphql-response\+json|application\/\*|\*\/\*)\s*(;[^,]*)?$/i;
/**
 * The operation keywords this path leaves to Yoga: a subscription (a stream), and a mutation, so that writes
 * keep the path that test/availability.test.ts proved under a killed database (a run on Node 24 saw resets
 * there after this path took mutations, not yet explained). A document without either word has neither.
 */
const NOT_A_QUERY = /\b(subscription|mutation)\b/;
const PARAMETERS = new Set(['query', 'operationName', 'variables']);

function isAcceptedJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').every((range) => JSON_ACCEPT.test(range));
}

/** The body's parameters when this path may take the request, else undefined (nothing touched). */
function paramsOf(req: IncomingMessage, body: Buffer | undefined, endpoint: string): JsonParams | undefined {
  if (req.method !== 'POST' || req.url !== endpoint || body === undefined) return undefined;
  if (!JSON_BODY.test(req.headers['content-type'] ?? '') || req.headers['if-none-match'] !== undefined) return undefined;
  if (!isAcceptedJson(req.headers.accept)) return undefined;
  let params: unknown;
  try {
    params = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return undefined;
  for (const key in params) if (!PARAMETERS.has(key)) return undefined;
  const { query, operationName, variables } = params as Record<string, unknown>;
  if (typeof query !== 'string' || NOT_A_QUERY.test(query)) return undefined;
  if (operationName != null && typeof operationName !== 'string') return undefined;
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return undefined;
  return params as JsonParams;
}

/** Writes a processor's answer as @whatwg-node's `sendNodeResponse` writes the equivalent Response. */
function send(res: ServerResponse, response: CapturedResponse): void {
  if (res.closed || res.destroyed || res.writableEnded) return;
  const status = response.init.status || 200;
  const statusText = response.init.statusText || STATUS_CODES[status] || 'OK';
  const headers = response.init.headers ?? {};
  const body = response.body;
  if (body === null || body === undefined || body === '') {
    // No body: the Response keeps its headers as given and they go out in one writeHead, names as written.
    res.writeHead(status, statusText, headers);
    res.end();
    return;
  }
  if (typeof body !== 'string') throw new Error('a result processor answered with a body this path cannot write');
  // A string body: the Response adds its media type (if none) and its length, in lower case.
  let hasType = false;
  for (const name of Object.keys(headers)) {
    if (name.toLowerCase() === 'content-type') hasType = true;
    res.setHeader(name, headers[name]!);
  }
  if (!hasType) res.setHeader('content-type', 'text/plain;charset=UTF-8');
  if (!res.hasHeader('content-length')) res.setHeader('content-length', String(Buffer.byteLength(body)));
  res.writeHead(status, statusText);
  res.end(body);
}

/** Yoga's members this path calls: public on its server object, not in its exported types. */
interface YogaInternals {
  instrumentation?: unknown;
  graphqlEndpoint: string;
  fetchAPI: { Headers: new (init: unknown) => Headers } & Record<string, unknown>;
  getResultForParams(payload: { params: JsonParams; request: unknown }, context: Record<string, unknown>): unknown;
  onResultProcessHooks: Array<(payload: Record<string, unknown>) => unknown>;
  handle(req: IncomingMessage, res: ServerResponse, context: Record<string, unknown>): unknown;
}

/** What one server's handler reads of Yoga, read once: each read through Yoga's server adapter (a Proxy) costs. */
interface Bound {
  endpoint: string;
  Headers: YogaInternals['fetchAPI']['Headers'];
  fetchAPI: unknown;
  getResultForParams: YogaInternals['getResultForParams'];
  onResultProcessHooks: YogaInternals['onResultProcessHooks'];
  handle: YogaInternals['handle'];
}

/**
 * The handler for one Yoga server: given a request, it answers it through Yoga's params-to-result path when
 * it is a JSON POST of a query (see the top of this file) and returns a promise of its end; it
 * returns undefined, touching nothing, for anything else. `serverContext` is what `yoga.handle` would get;
 * `body` is what the front door read. With instrumentation on Yoga (a tracing plugin) it takes nothing.
 */
export function jsonPostHandler(
  yoga: object,
): (req: IncomingMessage, res: ServerResponse, body: Buffer | undefined, serverContext: Record<string, unknown>) => Promise<void> | undefined {
  const server = yoga as YogaInternals;
  if (server.instrumentation) return () => undefined;
  const bound: Bound = {
    endpoint: server.graphqlEndpoint,
    Headers: server.fetchAPI.Headers,
    fetchAPI: Object.create(server.fetchAPI, { Response: { value: CapturedResponse } }),
    getResultForParams: server.getResultForParams,
    onResultProcessHooks: server.onResultProcessHooks,
    handle: server.handle,
  };
  return (req, res, body, serverContext) => {
    const params = paramsOf(req, body, bound.endpoint);
    if (!params) return undefined;
    return answer(bound, req, res, params, { req, res, ...serverContext });
  };
}

type Processor = (result: unknown, fetchAPI: unknown, mediaType: string) => unknown;

async function answer(yoga: Bound, req: IncomingMessage, res: ServerResponse, params: JsonParams, serverContext: Record<string, unknown>): Promise<void> {
  const request = new JsonPostRequest(req, new yoga.Headers(req.headers));
  let result: unknown;
  try {
    result = await yoga.getResultForParams({ params, request }, serverContext);
  } catch {
    // Thrown by an onParams hook (refused variables, say): before anything ran. Yoga's own path answers it.
    await yoga.handle(req, res, serverContext);
    return;
  }
  // Yoga's processResult: every onResultProcess hook in turn; the last processor chosen answers.
  const acceptableMediaTypes: string[] = [];
  let processor: Processor | undefined;
  let mediaType = '*/*';
  for (const hook of yoga.onResultProcessHooks) {
    await hook({
      request,
      acceptableMediaTypes,
      result,
      setResult: (next: unknown) => (result = next),
      resultProcessor: processor,
      setResultProcessor: (next: Processor, type: string) => {
        processor = next;
        mediaType = type;
      },
      serverContext,
    });
  }
  if (!processor) {
    send(res, new CapturedResponse(null, { status: 406, statusText: 'Not Acceptable', headers: { accept: acceptableMediaTypes.join('; charset=utf-8, ') } }));
    return;
  }
  const response = await processor(result as ExecutionResult, yoga.fetchAPI, mediaType);
  if (!(response instanceof CapturedResponse)) throw new Error('a result processor answered with something other than a Response');
  send(res, response);
}
