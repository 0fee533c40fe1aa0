// GET /metrics, answered before Yoga. Open by default, so that a Prometheus on the same private network as the
// service (docker compose) scrapes it as it is. With METRICS_REQUIRE_KEY=true, for a service whose port is on
// the internet, it answers only a request bearing an admin key: 401 with a Bearer challenge without one or
// with a malformed, unknown or revoked key, 403 for a reader's or an editor's. Such a request costs what a
// GraphQL request's authentication costs: one lookup by the key's hash, after the client's rate limits, and
// a wrong key counts against the client's allowance of failed keys as it does on /graphql.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { authenticate, bearerToken } from '../auth/authenticate.js';
import type { KeyUsage } from '../auth/usage.js';
import { hasRole, type Viewer } from '../auth/viewer.js';
import { isDatabaseUnavailable, isStatementTimeout } from '../data/errors.js';
import type { Sql } from '../db/index.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { clientAddress, rateLimited, type ClientLimits } from './front-door.js';

export interface MetricsRouteContext {
  metrics: Metrics;
  sql: Sql;
  limits: ClientLimits;
  /** METRICS_REQUIRE_KEY: only admin keys may read the metrics. */
  requireKey: boolean;
  trustProxy: boolean;
  usage?: KeyUsage | undefined;
  logger: Logger;
  requestId: string;
}

/** True for /metrics, with or without a query string. */
export function isMetricsRoute(url: string | undefined): boolean {
  return url === '/metrics' || url?.startsWith('/metrics?') === true;
}

function refuse(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

const CHALLENGE = { 'www-authenticate': 'Bearer' };

/** Answers /metrics: the Prometheus exposition, once the caller is allowed it. */
export async function serveMetrics(req: IncomingMessage, res: ServerResponse, ctx: MetricsRouteContext): Promise<void> {
  if (ctx.requireKey && !(await admitted(req, res, ctx))) return;
  let exposition: { contentType: string; body: string };
  try {
    exposition = await ctx.metrics.exposition();
  } catch (error) {
    ctx.logger.error('rendering /metrics failed', { requestId: ctx.requestId, error: String(error) });
    refuse(res, 500, 'INTERNAL_SERVER_ERROR', `Internal server error (request id ${ctx.requestId})`);
    return;
  }
  res.writeHead(200, { 'content-type': exposition.contentType });
  res.end(exposition.body);
}

/** Checks the caller's key; when it is refused, the response is sent and the answer is false. */
async function admitted(req: IncomingMessage, res: ServerResponse, ctx: MetricsRouteContext): Promise<boolean> {
  const client = clientAddress(req, ctx.trustProxy);
  const header = req.headers.authorization;
  // Before any lookup: a client over its allowance (of requests, or of wrong keys) costs no query.
  const admission = ctx.limits.admit(client, header);
  if (!admission.ok) {
    rateLimited(res, admission);
    return false;
  }
  let viewer: Viewer;
  try {
    viewer = await authenticate(ctx.sql, bearerToken(header));
  } catch (error) {
    if (error instanceof GraphQLError) {
      ctx.limits.authFailed(client);
      refuse(res, 401, 'UNAUTHENTICATED', error.message, CHALLENGE);
      return false;
    }
    // The key could not be checked (the database is away or slow): say so, and let the scraper try again.
    ctx.logger.error('checking a /metrics key failed', { requestId: ctx.requestId, error: String(error) });
    if (isDatabaseUnavailable(error) || isStatementTimeout(error)) {
      refuse(res, 503, 'DATABASE_UNAVAILABLE', `The key could not be checked; try again in a few seconds (request id ${ctx.requestId})`, { 'retry-after': '5' });
    } else {
      refuse(res, 500, 'INTERNAL_SERVER_ERROR', `Internal server error (request id ${ctx.requestId})`);
    }
    return false;
  }
  if (viewer.keyId === null) {
    refuse(res, 401, 'UNAUTHENTICATED', 'This server requires an admin API key for /metrics: send "Authorization: Bearer <key>"', CHALLENGE);
    return false;
  }
  ctx.usage?.record(viewer.keyId);
  if (!hasRole(viewer, 'admin')) {
    refuse(res, 403, 'FORBIDDEN', `/metrics needs an admin key; this key's role is ${viewer.role}`);
    return false;
  }
  return true;
}
