// A writer that stops mid-transaction (its process frozen, its network cut) holds every instance's live
// feed back: readers stay below its transaction until it ends. The service's sessions carry
// idle_in_transaction_session_timeout, so PostgreSQL ends such a writer and the feed resumes within seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql, type Sql } from '../src/db/connection.js';
import { submitReport } from '../src/data/report-changes.js';
import { eventTransaction } from '../src/data/event-log.js';
import { wsClient } from './helpers/clients.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { startTestServer, subscribedOn, type TestServer } from './helpers/server.js';

const IDLE_TIMEOUT_MS = 1_000;

let db: TestDatabase;
let server: TestServer;
/** Another instance's pool, configured as the service configures its own. */
let frozenInstance: Sql;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db.url, { sql: { idleInTransactionTimeoutMs: IDLE_TIMEOUT_MS } });
  frozenInstance = createSql(db.url, { max: 2, idleInTransactionTimeoutMs: IDLE_TIMEOUT_MS });
});

afterAll(async () => {
  await server?.stop();
  await frozenInstance?.end({ timeout: 5 });
  await db?.drop();
});

describe('a writer frozen inside its transaction', () => {
  it('is ended by PostgreSQL, and the live feed delivers what others wrote meanwhile', { timeout: 60_000 }, async () => {
    const client = wsClient(server.url);
    const subscription = await subscribedOn(server, client, `subscription { reportAdded { report { url } } }`);

    // The frozen writer: registered, holding a transaction id, and then nothing more.
    let thaw: () => void = () => {};
    const frozen = new Promise<void>((resolve) => (thaw = resolve));
    let holding: () => void = () => {};
    const holds = new Promise<void>((resolve) => (holding = resolve));
    const stuck = eventTransaction(frozenInstance, async (tx) => {
      await tx`select pg_current_xact_id()`;
      holding();
      await frozen;
      return tx`select 1`;
    });
    stuck.catch(() => {});
    await holds;

    const started = performance.now();
    await submitReport(server.sql, { url: 'https://example.org/written-while-a-writer-was-frozen', title: 'Written meanwhile', publisher: 'Example' });
    const [event] = await Promise.race([
      subscription.until(1),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the feed stayed stuck behind the frozen writer for 30 s')), 30_000)),
    ]);
    const waitedMs = Math.round(performance.now() - started);
    console.log(`the event written behind a frozen writer arrived after ${waitedMs} ms`);
    expect(event?.data).toEqual({ reportAdded: { report: { url: 'https://example.org/written-while-a-writer-was-frozen' } } });

    // PostgreSQL ended the frozen session: when its process wakes, the transaction fails cleanly.
    thaw();
    await expect(stuck).rejects.toMatchObject({ code: expect.stringMatching(/^(CONNECTION_CLOSED|25P03|ECONNRESET)$/) });
    await client.dispose();
  });
});
