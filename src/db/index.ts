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

/**
 * DATABASE_URL with DATABASE_PASSWORD put in, percent-encoded: a password holding @, : or / cannot be
 * written into a URL by hand (or by compose's interpolation) without breaking it.
 */
function withPassword(databaseUrl: string, password: string | undefined): string {
  if (password === undefined) return databaseUrl;
  const url = new URL(databaseUrl);
  url.password = encodeURIComponent(password);
  return url.toString();
}

/**
 * Connects to DATABASE_URL, or starts (or joins) the embedded PostgreSQL when none is set. The session time
 * limits are the configured ones unless `limits` says otherwise (a command-line import may run long).
 */
export async function openDatabase(
  config: Config,
  logger: Logger,
  applicationName = 'faultline',
  limits: Partial<Pick<Config, 'statementTimeoutMs' | 'idleInTransactionTimeoutMs'>> = {},
): Promise<Database> {
  const embedded = config.databaseUrl ? undefined : await startEmbedded({ dataDir: config.dataDir, logger });
  const url = config.databaseUrl ? withPassword(config.databaseUrl, config.databasePassword) : embedded!.url;
  const sql = createSql(url, {
    max: config.poolSize,
    applicationName,
    statementTimeoutMs: limits.statementTimeoutMs ?? config.statementTimeoutMs,
    idleInTransactionTimeoutMs: limits.idleInTransactionTimeoutMs ?? config.idleInTransactionTimeoutMs,
  });
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
