// Expected failures of writes. The data layer throws them; the GraphQL layer registers them with the
// errors plugin so clients get typed results instead of generic errors.
import { isConnectionError } from '../db/reserved.js';

/** Input that breaks a rule: names the field and the rule, and nothing was written. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    readonly field: string,
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

/** A referenced record does not exist. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** An update named a version that is no longer current: someone else changed the record first. */
export class VersionConflictError extends Error {
  override name = 'VersionConflictError';
  constructor(
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(`the record is at version ${currentVersion}, not ${expectedVersion}: reload it and apply your change again`);
  }
}

// Constraint names -> the input field they guard. Only constraints a client can trip are listed; others
// stay unexpected errors (masked, logged).
const CONSTRAINT_FIELDS: Record<string, { field: string; rule: string; message: string }> = {
  incidents_slug_key: { field: 'slug', rule: 'unique', message: 'an incident with this slug already exists' },
  actors_slug_key: { field: 'slug', rule: 'unique', message: 'an actor with this slug already exists' },
  ai_systems_slug_key: { field: 'slug', rule: 'unique', message: 'an AI system with this slug already exists' },
  policy_topics_slug_key: { field: 'slug', rule: 'unique', message: 'a policy topic with this slug already exists' },
  policy_positions_supersedes_key: {
    field: 'actor',
    rule: 'concurrent-update',
    message: 'another position for this actor and topic was recorded at the same moment; try again',
  },
  incidents_occurred_end_ok: { field: 'occurred.end', rule: 'after-start', message: 'occurred.end must not be before occurred.start' },
};

interface PostgresErrorLike {
  code?: string;
  constraint_name?: string;
}

/**
 * Translates a PostgreSQL error (SQLSTATE) into an expected failure where a client caused it; returns the
 * error unchanged otherwise. The one place SQLSTATE codes are interpreted.
 */
export function translateDatabaseError(error: unknown): unknown {
  const pg = error as PostgresErrorLike;
  if (!pg || typeof pg.code !== 'string') return error;
  const known = pg.constraint_name ? CONSTRAINT_FIELDS[pg.constraint_name] : undefined;
  if (known && (pg.code === '23505' || pg.code === '23514')) return new ValidationError(known.field, known.rule, known.message);
  if (pg.code === '40001' || pg.code === '40P01') {
    return new ValidationError('_', 'retry', 'the write collided with a concurrent one and was rolled back; send it again');
  }
  return error;
}

// SQLSTATEs that mean the server went away or will not take the session, rather than that the statement
// was wrong: connection exceptions (class 08), shutdowns (57P01-57P03), too many connections, and a
// session ended for idling inside a transaction.
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '25P03']);

/** True when `error` means the database could not be reached or dropped the connection mid-request. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (isConnectionError(error)) return true;
  const code = (error as PostgresErrorLike | null)?.code;
  return typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_STATES.has(code));
}

/** True when PostgreSQL cancelled a statement for running past statement_timeout. */
export function isStatementTimeout(error: unknown): boolean {
  return (error as PostgresErrorLike | null)?.code === '57014';
}
