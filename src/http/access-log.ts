// One access line per HTTP request (request id, operation, status, duration, key id: never the key) and the
// request metrics, from what the request left in its record while Yoga handled it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

/** What one request collects on its way through, kept in its async scope. */
export interface RequestRecord {
  requestId: string;
  /** "query incidents", "mutation createIncident": its type and first root field. */
  operation?: string;
  /** The client's own name for the operation, as given (logged, never a metric label). */
  operationName?: string;
  keyId?: string | null;
  errorCodes?: string[];
}

function describe(document: DocumentNode, operationName: string | null | undefined): { operation?: string; name?: string } {
  const operation = getOperationAST(document, operationName);
  if (!operation) return {};
  const first = operation.selectionSet.selections.find((selection) => selection.kind === 'Field');
  return {
    operation: `${operation.operation} ${first && first.kind === 'Field' ? first.name.value : ''}`.trim(),
    name: operation.name?.value,
  };
}

/** A Yoga plugin that notes each request's operation and error codes in its record. */
export function useRequestRecord(current: () => RequestRecord | undefined): Plugin {
  const noteOperation = (document: DocumentNode, operationName: string | null | undefined) => {
    const record = current();
    if (!record) return;
    const described = describe(document, operationName);
    record.operation = described.operation;
    record.operationName = described.name;
  };
  return {
    onExecute: ({ args }) => noteOperation(args.document, args.operationName),
    onSubscribe: ({ args }) => noteOperation(args.document, args.operationName),
    onResultProcess: ({ result }) => {
      const record = current();
      if (!record || !result || typeof result !== 'object' || !('errors' in result)) return;
      for (const error of (result as ExecutionResult).errors ?? []) {
        const code = error.extensions?.code;
        (record.errorCodes ??= []).push(typeof code === 'string' ? code : 'GRAPHQL_ERROR');
      }
    },
  };
}

/** Logs the request's line and counts it once its response is done (or its connection gone). */
export function logWhenDone(req: IncomingMessage, res: ServerResponse, record: RequestRecord, logger: Logger, metrics: Metrics | undefined): void {
  const started = process.hrtime.bigint();
  const stream = (req.headers.accept ?? '').includes('text/event-stream');
  res.once('close', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const path = req.url?.split('?')[0];
    // Exports and feeds are GETs beside GraphQL: named by their kind (a bounded label), not lumped in with pages.
    const operation =
      record.operation ??
      (path?.startsWith('/export/') ? 'export' : path?.startsWith('/feeds/') ? 'feed' : req.method === 'GET' ? 'page' : 'none');
    logger.info('request', {
      requestId: record.requestId,
      method: req.method,
      path,
      operation,
      operationName: record.operationName,
      status: res.statusCode,
      durationMs: Math.round(seconds * 1000),
      keyId: record.keyId ?? undefined,
      errors: record.errorCodes,
    });
    if (!metrics) return;
    metrics.requests.inc({ operation, status: String(res.statusCode) });
    if (!stream) metrics.duration.observe({ operation }, seconds);
    for (const code of record.errorCodes ?? []) metrics.errors.inc({ code });
  });
}
