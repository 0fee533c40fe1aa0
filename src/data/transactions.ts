// The two kinds of write transaction. Both translate constraint violations into expected errors, and both
// run on a guarded reserved connection (src/db/reserved.ts), so a database that goes away mid-write fails
// the write instead of the process.
import type { Queryable, Sql } from '../db/index.js';
import { reserveConnection } from '../db/reserved.js';
import { translateDatabaseError } from './errors.js';
import { eventTransaction } from './event-log.js';
import { claimIdempotencyKey } from './idempotency.js';

/**
 * Runs a write that may announce events (see `eventTransaction`): registered as a writer, wakes the hubs
 * after. A mutation sent with an idempotency key claims it in this same transaction (src/data/idempotency.ts),
 * so the key and the write commit or roll back together.
 */
export async function writeTransaction<T>(sql: Sql, work: (tx: Queryable) => Promise<T>): Promise<T> {
  try {
    return await eventTransaction(sql, async (tx) => {
      const recordResult = await claimIdempotencyKey(tx);
      const result = await work(tx);
      await recordResult?.(result);
      return result;
    });
  } catch (error) {
    throw translateDatabaseError(error);
  }
}

/**
 * Runs a write that never announces anything (catalog upserts): a plain transaction, neither registered as
 * a writer (it cannot hold the event log's readers back) nor followed by a wake-up.
 */
export async function plainTransaction<T>(sql: Sql, work: (tx: Queryable) => Promise<T>): Promise<T> {
  const connection = await reserveConnection(sql);
  try {
    await connection`begin`;
    const result = await work(connection);
    await connection`commit`;
    return result;
  } catch (error) {
    // A rollback that fails (the connection is gone) rolls back all the same; the write's error is the news.
    await connection`rollback`.catch(() => {});
    throw translateDatabaseError(error);
  } finally {
    connection.release();
  }
}
