import postgres from 'postgres';
import { attachWatch, createPoolWatch } from './reserved.js';

/** The postgres.js client type used across the data layer. */
export type Sql = postgres.Sql<Record<string, never>>;
/** A transaction or the pool: what data functions accept, so they compose inside `sql.begin`. */
export type Queryable = Sql | postgres.TransactionSql<Record<string, never>>;

export interface SqlOptions {
  /** Connections in the pool. */
  max?: number;
  /** Called for every statement sent; tests count statements with it. */
  onQuery?: (query: string) => void;
  /** Name shown in pg_stat_activity, so operators can tell the pools apart. */
  applicationName?: string;
  /**
   * PostgreSQL cancels a statement running longer than this (ms; 0: never). Bounds how long one request can
   * hold a connection, and a writer's registration with it.
   */
  statementTimeoutMs?: number;
  /**
   * PostgreSQL ends a session left idle inside a transaction this long (ms; 0: never): a writer whose process
   * froze or whose network went away would otherwise hold every instance's live feed back until it returned.
   */
  idleInTransactionTimeoutMs?: number;
  /** Called when a pool connection closes (metrics count them). */
  onClose?: () => void;
}

/**
 * Opens a postgres.js pool. Dates stay 'YYYY-MM-DD' strings: a partial date has no time zone and must
 * not drift a day through JavaScript's Date. int8 stays a string (ids); counts are cast in SQL.
 */
export function createSql(url: string, options: SqlOptions = {}): Sql {
  // The pool's hooks feed the guard of reserved connections (see ./reserved.ts).
  const watch = createPoolWatch();
  // postgres.js keeps its pool's state to itself; its hooks say when a connection first carries a statement
  // (`debug`) and when it closes (`onclose`), which is enough to know how many are open.
  const open = new Set<number>();
  const max = options.max ?? 10;
  const sql = postgres(url, {
    max,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: {
      application_name: options.applicationName ?? 'faultline',
      // Startup parameters: they hold for the session from its first statement, with no extra round trip.
      ...(options.statementTimeoutMs !== undefined ? { statement_timeout: options.statementTimeoutMs } : {}),
      ...(options.idleInTransactionTimeoutMs !== undefined
        ? { idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs }
        : {}),
    },
    types: {
      date: {
        to: 1082,
        from: [1082],
        serialize: (value: string) => value,
        parse: (value: string) => value,
      },
    },
    onclose: (connection) => {
      watch.closed(connection);
      open.delete(connection);
      options.onClose?.();
    },
  }) as unknown as Sql;
  // The statement hook, set after the pool is made rather than as the `debug` option: postgres.js also reads
  // `debug` when the pool is created, and if it is set then, every sql`` fragment captures a stack trace
  // (`new Error()`), 7 % of a page's CPU. Its connections read the hook from these same options as each
  // statement is sent. (Transactions, made later, still capture stacks, as before.)
  sql.options.debug = (connection: number, query: string) => {
    watch.sent(connection);
    open.add(connection);
    options.onQuery?.(query);
  };
  attachWatch(sql, watch);
  pools.set(sql, { max, open: () => open.size });
  return sql;
}

/** What a pool made by createSql tells about itself. */
export interface PoolUse {
  /** The most connections it opens. */
  max: number;
  /** Connections open now: from the first statement sent on one until it closes (idle ones close after 30 s). */
  open: () => number;
}

const pools = new WeakMap<Sql, PoolUse>();

/** The pool's size and open connections, for a pool made by createSql. */
export function poolUse(sql: Sql): PoolUse | undefined {
  return pools.get(sql);
}

/** Sessions of one application name on the current database by state (active, idle, idle in transaction...), as PostgreSQL sees them. */
export async function sessionStates(sql: Sql, applicationName: string): Promise<Array<{ state: string; count: number }>> {
  return await sql<Array<{ state: string; count: number }>>`
    select coalesce(state, 'unknown') as state, count(*)::int as count
    from pg_stat_activity
    where datname = current_database()
      and application_name = ${applicationName}
      and pid <> pg_backend_pid()
    group by 1
  `;
}
