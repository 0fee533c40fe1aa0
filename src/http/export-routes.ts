// The routes beside /graphql that tools without GraphQL read: /export/incidents.{csv,jsonl},
// /export/bundle.stix.json and /feeds/{reports,incidents,positions}.atom. They come after the front door
// (headers, CORS, rate limits) and authenticate as GraphQL reads do (REQUIRE_READ_KEY). Filters are query
// parameters (docs/export.md); a bad one is a 400 naming it. Bodies are streamed with backpressure.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GraphQLError } from 'graphql';
import { authenticate, bearerToken } from '../auth/authenticate.js';
import { hasRole, type Viewer } from '../auth/viewer.js';
import type { Sql } from '../db/index.js';
import { FEEDS, feedChunks, type FeedName } from '../export/atom.js';
import { CONTENT_TYPES, exportChunks, type ExportFormat } from '../export/formats.js';
import { ExportParamError, Params, incidentFilterFromParams } from '../export/params.js';
import { InvalidFilterError } from '../events/errors.js';
import { unavailableError } from './errors.js';
import type { Logger } from '../logger.js';

const EXPORTS: Record<string, { format: ExportFormat; filename: string }> = {
  '/export/incidents.csv': { format: 'csv', filename: 'incidents.csv' },
  '/export/incidents.jsonl': { format: 'jsonl', filename: 'incidents.jsonl' },
  '/export/bundle.stix.json': { format: 'stix', filename: 'bundle.stix.json' },
};

const FEED_PATHS: Record<string, FeedName> = {
  '/feeds/reports.atom': 'reports',
  '/feeds/incidents.atom': 'incidents',
  '/feeds/positions.atom': 'positions',
};

/** True for a path these routes answer. */
export function isExportRoute(url: string | undefined): boolean {
  const path = (url ?? '').split('?', 1)[0] ?? '';
  return path in EXPORTS || path in FEED_PATHS;
}

function sendJsonError(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code, ...extra } }] }));
}

export interface ExportRouteContext {
  sql: Sql;
  logger: Logger;
  requireReadKey: boolean;
  requestId: string;
  /** Called with a wrong key, so the front door's limit on failed keys counts it. */
  authFailed: () => void;
  /** The public base URL of this server (feeds link to themselves). */
  baseUrl: string;
}

/** An unexpected failure before anything was sent: 503 when the database is away or slow, else 500; logged. */
function failBeforeBody(res: ServerResponse, ctx: ExportRouteContext, error: unknown): void {
  const unavailable = unavailableError(error, ctx.requestId);
  if (unavailable) {
    const http = unavailable.extensions.http as { status: number; headers: Record<string, string> };
    sendJsonError(res, http.status, String(unavailable.extensions.code), unavailable.message, { requestId: ctx.requestId }, http.headers);
    return;
  }
  ctx.logger.error('unexpected error', { requestId: ctx.requestId, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  sendJsonError(res, 500, 'INTERNAL_SERVER_ERROR', `Internal server error (request id ${ctx.requestId})`, { requestId: ctx.requestId });
}

/** Answers a request to one of these routes (isExportRoute said yes). */
export async function handleExportRoute(req: IncomingMessage, res: ServerResponse, ctx: ExportRouteContext): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJsonError(res, 405, 'METHOD_NOT_ALLOWED', `${url.pathname} answers GET only`, {}, { allow: 'GET, HEAD' });
    return;
  }
  let viewer: Viewer;
  try {
    viewer = await authenticate(ctx.sql, bearerToken(req.headers.authorization));
  } catch (error) {
    if (!(error instanceof GraphQLError)) {
      failBeforeBody(res, ctx, error);
      return;
    }
    ctx.authFailed();
    sendJsonError(res, 401, 'UNAUTHENTICATED', error.message, {}, { 'www-authenticate': 'Bearer' });
    return;
  }
  if (ctx.requireReadKey && !hasRole(viewer, 'reader')) {
    sendJsonError(res, 401, 'UNAUTHENTICATED', 'This server requires an API key for reads: send "Authorization: Bearer <key>"', {}, { 'www-authenticate': 'Bearer' });
    return;
  }

  const controller = new AbortController();
  res.once('close', () => controller.abort());
  let contentType: string;
  let chunks: AsyncIterable<string>;
  let disposition: string | undefined;
  try {
    const params = new Params(url.searchParams);
    const exported = EXPORTS[url.pathname];
    if (exported) {
      const filter = await incidentFilterFromParams(ctx.sql, params);
      params.rejectUnknown();
      contentType = CONTENT_TYPES[exported.format];
      disposition = `attachment; filename="${exported.filename}"`;
      chunks = exportChunks(ctx.sql, filter, exported.format, { signal: controller.signal });
    } else {
      const feed = FEED_PATHS[url.pathname]!;
      const self = `${ctx.baseUrl}${url.pathname}${url.search}`;
      chunks = await feedChunks(ctx.sql, feed, params, self);
      params.rejectUnknown();
      contentType = FEEDS[feed].contentType;
    }
  } catch (error) {
    if (error instanceof ExportParamError || error instanceof InvalidFilterError) {
      const parameter = error instanceof ExportParamError ? error.parameter : error.field;
      const message = error instanceof ExportParamError ? error.message : `${parameter}: ${error.message}`;
      sendJsonError(res, 400, 'BAD_USER_INPUT', message, { parameter });
      return;
    }
    failBeforeBody(res, ctx, error);
    return;
  }

  if (req.method === 'HEAD') {
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store', ...(disposition ? { 'content-disposition': disposition } : {}) });
    res.end();
    return;
  }
  // The first chunk is read before the status is sent, so a database that is down answers 503, not a 200
  // cut short.
  const iterator = chunks[Symbol.asyncIterator]();
  let first: IteratorResult<string>;
  try {
    first = await iterator.next();
  } catch (error) {
    failBeforeBody(res, ctx, error);
    return;
  }
  res.writeHead(200, {
    'content-type': contentType,
    'cache-control': 'no-store',
    ...(disposition ? { 'content-disposition': disposition } : {}),
  });
  const body = (async function* () {
    try {
      if (first.done) return;
      yield first.value;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      // A client that went away ends the source too (it reads nothing more).
      await iterator.return?.(undefined);
    }
  })();
  try {
    await pipeline(Readable.from(body), res);
  } catch (error) {
    // The client went away (the source stops with it), or the database failed mid-stream: the status is
    // sent already, so the response is cut off, which a client sees as an incomplete body.
    if (!controller.signal.aborted) ctx.logger.error('export failed mid-stream', { requestId: ctx.requestId, path: url.pathname, error: String(error) });
    res.destroy();
  }
}
