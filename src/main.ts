import { SHUTDOWN_MARGIN_MS, isWorker, prepareDatabase, runPrimary } from './cluster.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase, type Database } from './db/index.js';
import { KeyRevocations } from './auth/revocation.js';
import { KeyUsage } from './auth/usage.js';
import { ResponseCache } from './http/response-cache.js';
import type { EventHub } from './events/hub.js';
import { createEventHub } from './live/index.js';
import { createLogger } from './logger.js';
import type { FaultlineServer } from './server.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`faultline: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  // WORKERS > 1: this process supervises that many copies of itself (src/cluster.ts) and serves nothing.
  if (config.workers > 1 && !isWorker()) return runPrimary(config, logger);
  const started = Date.now();

  let db: Database | undefined;
  let events: EventHub | undefined;
  let revocations: KeyRevocations | undefined;
  let usage: KeyUsage | undefined;
  let server: FaultlineServer | undefined;
  let shuttingDown: Promise<void> | undefined;

  const shutdown = (reason: string, code: number) => {
    shuttingDown ??= (async () => {
      logger.info(`shutting down (${reason})`);
      // Stop taking requests first, then the live feed, then the database it all reads from.
      // Requests in flight get the grace period to finish (a crash gets none: its state is suspect).
      const graceMs = code === 0 ? config.shutdownGraceMs : 0;
      // A step that hangs (a database that never answers) does not keep the process alive past the margin;
      // in a cluster this comes 2 s before the supervisor would kill it (src/cluster.ts).
      setTimeout(() => {
        logger.error('shutdown took too long: exiting');
        process.exit(code === 0 ? 1 : code);
      }, graceMs + SHUTDOWN_MARGIN_MS - 2_000).unref();
      await server?.stop({ graceMs }).catch((error) => logger.error('server stop failed', { error: String(error) }));
      await events?.stop().catch((error) => logger.error('event hub stop failed', { error: String(error) }));
      await revocations?.stop().catch(() => {});
      await usage?.stop().catch(() => {});
      await db?.close().catch((error) => logger.error('database close failed', { error: String(error) }));
      logger.info('stopped');
      process.exit(code);
    })();
    return shuttingDown;
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGHUP', () => void shutdown('SIGHUP', 0));
  process.on('uncaughtException', (error) => {
    logger.error('uncaught exception', { error: error.stack ?? String(error) });
    void shutdown('uncaught exception', 1);
  });
  process.on('unhandledRejection', (error) => {
    logger.error('unhandled rejection', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    void shutdown('unhandled rejection', 1);
  });

  // Load the server code (Yoga, the schema) while PostgreSQL starts: both take a while, and they do not
  // depend on each other until the server is built.
  const serverModule = import('./server.js');
  serverModule.catch(() => {});
  try {
    db = await openDatabase(config, logger);
    // In a cluster the primary has done it before forking.
    if (!isWorker()) await prepareDatabase(db.sql, config, logger);
    // The live core over this database's event log, with every topic (src/live/topics).
    events = createEventHub({
      sql: db.sql,
      url: db.url,
      logger,
      retention: { maxAgeMs: config.eventRetentionMs, maxCount: config.eventRetentionCount },
    });
    await events.start();
    revocations = new KeyRevocations({ sql: db.sql, events, logger });
    await revocations.start();
    usage = new KeyUsage(db.sql, logger);
    const { buildServer, listen } = await serverModule;
    let responseCache: ResponseCache | undefined;
    if (config.responseCache) {
      const { schema } = await import('./graphql/index.js');
      responseCache = new ResponseCache({ schema, ttlMs: config.responseCacheTtlMs, logger });
      await responseCache.attach(events);
    }
    server = buildServer({ sql: db.sql, events, logger, config, revocations, usage, responseCache });
    await listen(server, config.host, config.port);
  } catch (error) {
    logger.error(`could not start: ${(error as Error).message}`);
    await shutdown('start-up failure', 1);
    return;
  }
  logger.info(`ready in ${Date.now() - started} ms`);
  if (!isWorker()) console.log(`Faultline is serving ${server.url} (GraphiQL: open it in a browser)`);
}

void main();
