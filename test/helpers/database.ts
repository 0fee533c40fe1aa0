import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createSql, type Sql } from '../../src/db/connection.js';

export interface TestDatabase {
  sql: Sql;
  url: string;
  /** Drops the database (closing `sql` first). */
  drop(): Promise<void>;
}

/** A fresh database cloned from the migrated template: every test file gets its own. */
export async function createTestDatabase(options: { onQuery?: (query: string) => void } = {}): Promise<TestDatabase> {
  const adminUrl = inject('adminUrl');
  const template = inject('templateDatabase');
  const name = `faultline_test_${randomBytes(5).toString('hex')}`;
  const admin = createSql(adminUrl, { max: 1 });
  try {
    await admin`create database ${admin(name)} template ${admin(template)}`;
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sql = createSql(url.toString(), { max: 5, onQuery: options.onQuery });
  return {
    sql,
    url: url.toString(),
    drop: async () => {
      await sql.end({ timeout: 5 });
      const cleanup = createSql(adminUrl, { max: 1 });
      await cleanup`drop database if exists ${cleanup(name)} with (force)`;
      await cleanup.end();
    },
  };
}
