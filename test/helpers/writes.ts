import { expect } from 'vitest';
import type { Sql } from '../../src/db/index.js';
import { dataOf } from './factories.js';
import { graphql, type GraphQLResponse, type TestServer } from './server.js';

/** Row count and content digest of every table (a key's last_used_at is authentication bookkeeping). */
export async function databaseState(sql: Sql): Promise<Record<string, string>> {
  const tables = await sql<{ name: string }[]>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE'
    order by table_name
  `;
  const state: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await sql<{ rows: number; digest: string | null }[]>`
      select count(*)::int as rows,
        md5(string_agg((to_jsonb(t) - 'last_used_at')::text, ',' order by (to_jsonb(t) - 'last_used_at')::text)) as digest
      from ${sql(name)} t
    `;
    state[name] = `${row!.rows} rows, ${row!.digest ?? 'empty'}`;
  }
  return state;
}

/** Runs `work` and fails unless every table is exactly as it was: no row, no history, no event written. */
export async function expectNothingWritten<T>(sql: Sql, work: () => Promise<T>): Promise<T> {
  const before = await databaseState(sql);
  expect(Object.keys(before)).toEqual(expect.arrayContaining(['incidents', 'incident_history', 'events', 'reports', 'policy_positions']));
  const result = await work();
  expect(await databaseState(sql)).toEqual(before);
  return result;
}

/** The single result field of a mutation response, which must have no GraphQL errors. */
export async function resultOf<T>(response: Promise<GraphQLResponse<Record<string, T>>>): Promise<T> {
  const data = dataOf(await response);
  const values = Object.values(data);
  expect(values).toHaveLength(1);
  return values[0]!;
}

/** The local (numeric) id inside a global id. */
export function localId(id: string): string {
  return Buffer.from(id, 'base64url').toString('utf8').split(':')[1]!;
}

/** The fields every typed failure of a mutation can show. */
export const ERROR_FIELDS = `
  ... on UserError { message }
  ... on ValidationError { field rule }
  ... on NotFoundError { field }
`;

export type UserErrorShape = { __typename: string; field?: string; rule?: string; message?: string };

/**
 * Every failure a write test provokes is expected and typed: a masked internal error means a bug, and the
 * server log holds its cause. Call it after each test: it shows those log lines and clears the log.
 */
export function expectNoUnexpectedErrors(server: TestServer | undefined): void {
  const logs = server?.logs ?? [];
  const unexpected = logs.filter((line) => line.includes('unexpected error'));
  logs.length = 0;
  expect(unexpected).toEqual([]);
}

/** Sends operations to the server with an API key, as an editor's client would. */
export function callerWithKey(server: () => TestServer, key: () => string) {
  return <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> =>
    graphql<T>(server().url, query, variables, { authorization: `Bearer ${key()}` });
}
