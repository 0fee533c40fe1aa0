import { ConfigError, loadConfig, type Config } from '../config.js';
import { openDatabase, type Database } from '../db/index.js';
import { migrate } from '../db/migrate.js';
import { createLogger, type Logger } from '../logger.js';

export interface CommandContext {
  config: Config;
  logger: Logger;
  db: Database;
}

/**
 * Runs a command-line task against the configured database (DATABASE_URL, or the embedded one, joining a
 * server that is already running on the data folder), migrated first. Exits non-zero with one line on
 * failure, and always stops what it started.
 */
export async function runCommand(
  name: string,
  task: (context: CommandContext) => Promise<void>,
  options: { migrate?: boolean } = {},
): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`faultline ${name}: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  // Commands print their results on stdout; logs go to stderr and stay quiet unless asked for.
  const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn');
  let db: Database | undefined;
  let failed = false;
  try {
    // No statement time limit: an import or a synthetic load may rightly run for minutes.
    db = await openDatabase(config, logger, `faultline-${name}`, { statementTimeoutMs: 0 });
    if (options.migrate !== false) await migrate(db.sql);
    await task({ config, logger, db });
  } catch (error) {
    failed = true;
    console.error(`faultline ${name}: ${(error as Error).message}`);
  } finally {
    await db?.close().catch(() => {});
  }
  process.exit(failed ? 1 : 0);
}
