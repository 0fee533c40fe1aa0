import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createSql, type Sql } from './connection.js';
import { startEmbedded, type EmbeddedDatabase } from './embedded.js';

export { createSql, type Sql, type Queryable } from './connection.js';

/** An open database: the pool, the URL it came from, and how to let it go. */
export interface Database {
  sql: Sql;
  url: string;
  embedded: EmbeddedDatabase | undefined;
  /** Ends the pool, then stops the embedded server when this process started it. */
  close(): Promise<void>;
}

/** Connects to DATABASE_URL, or starts (or joins) the embedded PostgreSQL when none is set. */
export async function openDatabase(config: Config, logger: Logger, applicationName = 'faultline'): Promise<Database> {
  const embedded = config.databaseUrl ? undefined : await startEmbedded({ dataDir: config.dataDir, logger });
  const url = config.databaseUrl ?? embedded!.url;
  const sql = createSql(url, { max: config.poolSize, applicationName });
  try {
    const [row] = await sql<{ version: number }[]>`select current_setting('server_version_num')::int as version`;
    if (!row || row.version < 150000) {
      throw new Error(`PostgreSQL 15 or newer is required, this server is ${row?.version ?? 'unknown'}`);
    }
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    await embedded?.stop();
    throw error;
  }
  return {
    sql,
    url,
    embedded,
    close: async () => {
      await sql.end({ timeout: 5 });
      await embedded?.stop();
    },
  };
}
