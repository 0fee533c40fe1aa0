import postgres from 'postgres';

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
}

/**
 * Opens a postgres.js pool. Dates stay 'YYYY-MM-DD' strings: a partial date has no time zone and must
 * not drift a day through JavaScript's Date. int8 stays a string (ids); counts are cast in SQL.
 */
export function createSql(url: string, options: SqlOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'faultline' },
    types: {
      date: {
        to: 1082,
        from: [1082],
        serialize: (value: string) => value,
        parse: (value: string) => value,
      },
    },
    debug: options.onQuery ? (_connection, query) => options.onQuery?.(query) : undefined,
  }) as unknown as Sql;
}
