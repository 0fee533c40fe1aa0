// The idempotencyKey argument of creating mutations. An argument rather than an Idempotency-Key HTTP header:
// it works the same over HTTP and WebSocket (which has no per-operation headers), it belongs to one mutation
// field (a request may carry several mutations, each its own transaction), and the key is recorded by the
// write's own transaction, which only the field's resolver reaches. See src/data/idempotency.ts.
import { createHash } from 'node:crypto';
import { AlreadyDone, ValidationError, withIdempotencyClaim } from '../data/idempotency.js';
import type { GraphQLContext } from './context.js';

export { ValidationError };

/** The argument's description, shared by every mutation that takes it. */
export const IDEMPOTENCY_KEY_DESCRIPTION =
  'Any unique string (a UUID, say), up to 200 characters. Sending the same mutation again with the same key ' +
  '(after a timeout or a dropped connection) returns what the first one created instead of creating it twice. ' +
  'Keys are kept for a day, per API key.';

/** JSON with object keys sorted, so the same arguments always hash alike. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Runs a creating mutation's `write`, idempotently when `args.idempotencyKey` is given: a repeat returns
 * `load(id of the first result)`.
 */
export async function idempotent<T>(
  context: GraphQLContext,
  operation: string,
  args: { idempotencyKey?: string | null } & Record<string, unknown>,
  idOf: (result: T) => string,
  load: (id: string) => Promise<T>,
  write: () => Promise<T>,
): Promise<T> {
  const { idempotencyKey, ...rest } = args;
  if (idempotencyKey == null) return write();
  if (idempotencyKey.length < 1 || idempotencyKey.length > 200) {
    throw new ValidationError('idempotencyKey', 'length', 'idempotencyKey must be 1-200 characters');
  }
  // Mutations need a key with a role; an anonymous caller never gets this far.
  const apiKeyId = context.viewer.keyId;
  if (!apiKeyId) return write();
  const fingerprint = createHash('sha256').update(canonical(rest)).digest('base64url');
  try {
    return await withIdempotencyClaim(
      { apiKeyId, key: idempotencyKey, operation, fingerprint, idOf: (result) => idOf(result as T) },
      write,
    );
  } catch (error) {
    if (error instanceof AlreadyDone) return load(error.resultId);
    throw error;
  }
}
