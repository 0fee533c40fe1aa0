import { GraphQLError } from 'graphql';
import { isDatabaseUnavailable, isStatementTimeout } from '../data/errors.js';

/** Seconds a client is told to wait before retrying while the database is away. */
const RETRY_AFTER_SECONDS = 5;

/**
 * The client's error for an unexpected failure that is not a bug: the database is unreachable (503, retry
 * later) or a statement ran past its time limit (503 too: the same request may well succeed later).
 * Undefined for anything else.
 */
export function unavailableError(error: unknown, requestId: string): GraphQLError | undefined {
  if (isDatabaseUnavailable(error)) {
    return new GraphQLError(
      `The database is unavailable; try again in a few seconds. A write in flight may or may not have been applied: ` +
        `resend it with the same idempotencyKey (request id ${requestId})`,
      {
        extensions: {
          code: 'DATABASE_UNAVAILABLE',
          requestId,
          http: { status: 503, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } },
        },
      },
    );
  }
  if (isStatementTimeout(error)) {
    return new GraphQLError(`The request took too long and was cancelled; ask for less, or try again later (request id ${requestId})`, {
      extensions: { code: 'TIMEOUT', requestId, http: { status: 503, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } } },
    });
  }
  return undefined;
}
