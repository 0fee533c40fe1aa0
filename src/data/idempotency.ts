// Idempotent creation: the idempotency key is claimed in the write's own transaction, so the record of the
// key and the write commit or roll back together. A second request with the same key waits on the first's
// row lock if the first is still running, then finds its result.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Queryable, Sql } from '../db/index.js';
import { ValidationError } from './errors.js';

export { ValidationError };

/** An idempotency key as a mutation carries it. */
export interface IdempotencyClaim {
  apiKeyId: string;
  key: string;
  operation: string;
  fingerprint: string;
  /** The id of what the write created, from its result. */
  idOf: (result: unknown) => string;
}

/** Thrown inside the write's transaction when the key was used before: nothing is written. */
export class AlreadyDone extends Error {
  override name = 'AlreadyDone';
  constructor(readonly resultId: string) {
    super('this idempotency key was used before');
  }
}

const current = new AsyncLocalStorage<{ claim: IdempotencyClaim; claimed: boolean }>();

/** Runs `write` with `claim` attached: the first write transaction inside it claims the key. */
export function withIdempotencyClaim<T>(claim: IdempotencyClaim, write: () => Promise<T>): Promise<T> {
  return current.run({ claim, claimed: false }, write);
}

/**
 * Claims the current idempotency key, if any, inside transaction `tx`; throws AlreadyDone when the same
 * request used it before, or a ValidationError when another request did. Returns what to call with the
 * write's result before the transaction commits.
 */
export async function claimIdempotencyKey(tx: Queryable): Promise<((result: unknown) => Promise<void>) | undefined> {
  const scope = current.getStore();
  if (!scope || scope.claimed) return undefined;
  scope.claimed = true;
  const { claim } = scope;
  const inserted = await tx`
    insert into idempotency_keys (api_key_id, key, operation, fingerprint)
    values (${claim.apiKeyId}, ${claim.key}, ${claim.operation}, ${claim.fingerprint})
    on conflict (api_key_id, key) do nothing
    returning 1
  `;
  if (inserted.length === 0) {
    const [previous] = await tx<{ operation: string; fingerprint: string; result_id: string | null }[]>`
      select operation, fingerprint, result_id from idempotency_keys where api_key_id = ${claim.apiKeyId} and key = ${claim.key}
    `;
    if (!previous || previous.operation !== claim.operation || previous.fingerprint !== claim.fingerprint || !previous.result_id) {
      throw new ValidationError('idempotencyKey', 'reused', 'idempotencyKey was already used for a different request: use a new key for each new request');
    }
    throw new AlreadyDone(previous.result_id);
  }
  return async (result) => {
    await tx`
      update idempotency_keys set result_id = ${claim.idOf(result)}
      where api_key_id = ${claim.apiKeyId} and key = ${claim.key}
    `;
  };
}

/** Deletes idempotency keys older than a day. */
export async function pruneIdempotencyKeys(sql: Sql): Promise<void> {
  await sql`delete from idempotency_keys where created_at < now() - interval '1 day'`;
}
