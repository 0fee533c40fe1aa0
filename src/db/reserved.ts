// A reserved connection that stops sending once its socket is gone.
//
// postgres.js 3.4.9 (the latest release) lets a reserved connection (`sql.reserve()`, and `sql.begin`'s
// scope) keep executing statements after the connection closed: the pool has already taken it back
// (`onclose` moves it to the closed queue and clears `reserved`), but the reserved handle still calls
// `execute` on it. A small statement is then buffered and flushed by a `setImmediate` that writes to the
// socket the close set to null: "TypeError: Cannot read properties of null (reading 'write') at
// Immediate.nextWrite", thrown where no caller can catch it, which ends the process (upstream issues
// porsager/postgres#1154 and #1208, unfixed at the time of writing). The statement never settles either,
// and `release()` afterwards hands the pool a connection it already owns. Under concurrent writes a
// database restart hit this every time: each writer's ROLLBACK, NOTIFY or release landed on a dead
// connection.
//
// The guard below tracks, per reserved handle, which pool connection it runs on and whether that
// connection has closed, using only the driver's documented hooks (`debug` reports the connection a
// statement is sent on, `onclose` the connection that closed) plus the rejection of its own statements.
// Once the connection is lost, every statement still waiting is rejected with a connection error, new
// ones are refused before they reach the driver, and `release()` leaves the connection to the pool.
import postgres from 'postgres';

type ReservedSql = postgres.ReservedSql<Record<string, never>>;

/** The driver's query object, as far as the guard touches it. */
interface DriverQuery {
  handler: ((query: DriverQuery) => void) & { debug?: unknown };
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** What the pool's hooks report to the guards of its reserved connections. */
export interface PoolWatch {
  /** Called from the pool's `debug` hook: a statement was sent on connection `id`. */
  sent(id: number): void;
  /** Called from the pool's `onclose` hook. */
  closed(id: number): void;
}

class Guard {
  connectionId: number | undefined;
  lost: Error | undefined;
  readonly pending = new Set<DriverQuery>();

  constructor(private readonly watch: Watch) {}

  /** Refuses statements from now on, without touching those already sent. */
  retire(error: Error): void {
    this.lost ??= error;
    this.watch.forget(this);
  }

  lose(error: Error): void {
    if (this.lost) return;
    this.retire(error);
    const waiting = [...this.pending];
    this.pending.clear();
    for (const query of waiting) query.reject(error);
  }
}

class Watch implements PoolWatch {
  /** The guard whose statement is being handed to the driver right now (the handoff is synchronous). */
  sending: Guard | undefined;
  private readonly byConnection = new Map<number, Set<Guard>>();

  sent(id: number): void {
    const guard = this.sending;
    if (!guard || guard.connectionId !== undefined) return;
    guard.connectionId = id;
    let guards = this.byConnection.get(id);
    if (!guards) this.byConnection.set(id, (guards = new Set()));
    guards.add(guard);
  }

  closed(id: number): void {
    const guards = this.byConnection.get(id);
    if (!guards) return;
    this.byConnection.delete(id);
    for (const guard of guards) guard.lose(connectionLost());
  }

  forget(guard: Guard): void {
    if (guard.connectionId === undefined) return;
    this.byConnection.get(guard.connectionId)?.delete(guard);
  }
}

const watches = new WeakMap<object, Watch>();

/** Creates the hooks a pool reports to; `attachWatch` ties them to the pool once it exists. */
export function createPoolWatch(): PoolWatch {
  return new Watch();
}

/** Ties `watch` (passed to the pool's `debug` and `onclose` hooks) to the pool `sql`. */
export function attachWatch(sql: object, watch: PoolWatch): void {
  watches.set(sql, watch as Watch);
}

/** The error statements on a lost connection get; shaped like the driver's own connection errors. */
function connectionLost(): Error {
  return Object.assign(new Error('the database connection was lost'), { code: 'CONNECTION_CLOSED' });
}

/** True for errors that mean the connection itself failed (not a statement's SQL error). */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof postgres.PostgresError) return false;
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  return (typeof code === 'string' && /^(CONNECTION_|CONNECT_TIMEOUT$|E[A-Z]+$)/.test(code)) || typeof syscall === 'string';
}

function isDriverQuery(value: unknown): value is DriverQuery {
  return (
    value instanceof Promise &&
    typeof (value as Partial<DriverQuery>).handler === 'function' &&
    typeof (value as Partial<DriverQuery>).reject === 'function'
  );
}

function guardQuery<T>(guard: Guard, watch: Watch | undefined, value: T): T {
  if (!isDriverQuery(value)) return value;
  const inner = value.handler;
  const handler: DriverQuery['handler'] = (query) => {
    if (guard.lost) return query.reject(guard.lost);
    guard.pending.add(query);
    const { resolve, reject } = query;
    query.resolve = (result) => {
      guard.pending.delete(query);
      resolve(result);
    };
    // Set before the driver can call it: a connection error marks the handle lost at once, before the
    // caller's own reaction (a ROLLBACK, say) runs.
    query.reject = (error) => {
      guard.pending.delete(query);
      if (isConnectionError(error)) guard.lose(error as Error);
      reject(error);
    };
    if (watch) watch.sending = guard;
    try {
      inner(query);
    } finally {
      if (watch) watch.sending = undefined;
    }
  };
  handler.debug = inner.debug;
  value.handler = handler;
  return value;
}

/**
 * Reserves a connection from `sql` (as `sql.reserve()`), guarded: once its connection is lost, statements
 * fail with a connection error instead of reaching the driver, and `release()` is a no-op.
 */
export async function reserveConnection(sql: postgres.Sql<Record<string, never>>): Promise<ReservedSql> {
  const watch = watches.get(sql);
  const reserved = await sql.reserve();
  const guard = new Guard(watch ?? new Watch());
  const handle = new Proxy(reserved, {
    apply: (target, thisArg, args) => guardQuery(guard, watch, Reflect.apply(target, thisArg, args)),
    get: (target, property, receiver) => {
      if (property === 'unsafe') {
        return (...args: Parameters<ReservedSql['unsafe']>) => guardQuery(guard, watch, target.unsafe(...args));
      }
      if (property === 'release') {
        return () => {
          if (guard.lost) return;
          guard.retire(new Error('this reserved connection was released'));
          target.release();
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  return handle;
}
