// The two kinds of write transaction. Both translate constraint violations into expected errors.
import type { Queryable, Sql } from '../db/index.js';
import { translateDatabaseError } from './errors.js';
import { eventTransaction } from './event-log.js';

/** Runs a write that may announce events (see `eventTransaction`): registered as a writer, wakes the hubs after. */
export async function writeTransaction<T>(sql: Sql, work: (tx: Queryable) => Promise<T>): Promise<T> {
  try {
    return await eventTransaction(sql, work);
  } catch (error) {
    throw translateDatabaseError(error);
  }
}

/**
 * Runs a write that never announces anything (catalog upserts): a plain transaction, neither registered as
 * a writer (it cannot hold the event log's readers back) nor followed by a wake-up.
 */
export async function plainTransaction<T>(sql: Sql, work: (tx: Queryable) => Promise<T>): Promise<T> {
  try {
    return (await sql.begin((tx) => work(tx))) as T;
  } catch (error) {
    throw translateDatabaseError(error);
  }
}
