// Prometheus metrics on /metrics: requests and their latency by operation, errors by code, open WebSocket
// connections and SSE streams, subscribers by topic and transport, event lag, the hub's queues, LISTEN
// reconnects, database connections, and the process's own (heap, event loop lag, CPU). The live ones follow
// the hub's lifecycle events (src/events/lifecycle.ts), never counters kept inside the hub for them. One
// registry per server, so several servers in one process (tests) do not share counts. Labels are bounded:
// an operation is its type and first root field, never a name the client chose; a topic is one of the
// hub's; a transport one of websocket, sse, http.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { poolUse, sessionStates, type Sql } from './db/connection.js';
import type { EventHub } from './events/hub.js';
import type { LiveEventMap } from './events/lifecycle.js';

/** The application name of the service's query pools in pg_stat_activity (src/db/index.ts). */
const APPLICATION_NAME = 'faultline';
/** A scrape does not wait longer than this for the database's view of its sessions. */
const SESSIONS_TIMEOUT_MS = 1_000;

export interface MetricsSources {
  /** Open WebSocket connections. */
  websockets: () => number;
  /** Open SSE streams. */
  sseStreams: () => number;
  /** Subscriptions registered with the event hub in this process. */
  subscriptions: () => number;
  /** The hub whose lifecycle events drive the live metrics. */
  events?: EventHub;
  /** The query pool. */
  sql?: Sql;
}

export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<'operation' | 'status'>;
  readonly duration: Histogram<'operation'>;
  readonly errors: Counter<'code'>;
  /** Removes the listeners on the hub. */
  private readonly unhook: Array<() => void> = [];

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'faultline_' });
    this.requests = new Counter({
      name: 'faultline_http_requests_total',
      help: 'HTTP requests answered, by GraphQL operation (type and first root field) and status.',
      labelNames: ['operation', 'status'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'faultline_http_request_duration_seconds',
      help: 'Time to answer an HTTP request (to the end of the response; SSE streams are not counted), by operation.',
      labelNames: ['operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.errors = new Counter({
      name: 'faultline_graphql_errors_total',
      help: 'GraphQL errors returned, by code (BAD_USER_INPUT, UNAUTHENTICATED, DATABASE_UNAVAILABLE, ...).',
      labelNames: ['code'],
      registers: [this.registry],
    });
    const connections = new Gauge({
      name: 'faultline_live_connections',
      help: 'Open live connections, by transport (websocket, sse).',
      labelNames: ['transport'],
      registers: [this.registry],
      collect() {
        this.set({ transport: 'websocket' }, sources.websockets());
        this.set({ transport: 'sse' }, sources.sseStreams());
      },
    });
    void connections;
    new Gauge({
      name: 'faultline_subscriptions',
      help: 'Subscriptions fed by the event hub in this process (all topics and transports).',
      registers: [this.registry],
      collect() {
        this.set(sources.subscriptions());
      },
    });
    if (sources.events) this.live(sources.events);
    if (sources.sql) this.database(sources.sql);
  }

  /** Metrics of the event hub, from its lifecycle events and the depth of its queues. */
  private live(hub: EventHub): void {
    const on = <K extends keyof LiveEventMap>(name: K, listener: (...args: LiveEventMap[K]) => void) => {
      hub.on(name, listener as never);
      this.unhook.push(() => hub.off(name, listener as never));
    };
    const subscribers = new Gauge({
      name: 'faultline_live_subscribers',
      help: 'Live subscriptions in this process, by topic and transport (websocket, sse, http).',
      labelNames: ['topic', 'transport'],
      registers: [this.registry],
    });
    on('subscriber:subscribed', ({ topic, transport }) => subscribers.inc({ topic, transport }));
    on('subscriber:unsubscribed', ({ topic, transport }) => subscribers.dec({ topic, transport }));
    const tooSlow = new Counter({
      name: 'faultline_live_subscribers_too_slow_total',
      help: 'Subscriptions ended because their client fell too far behind, by topic.',
      labelNames: ['topic'],
      registers: [this.registry],
    });
    on('subscriber:tooSlow', ({ topic }) => tooSlow.inc({ topic }));
    const lag = new Histogram({
      name: 'faultline_live_event_lag_seconds',
      help:
        'From when the writing transaction appended an event (events.created_at, the database clock) to when this ' +
        'process handed it to its live subscribers, by topic; includes the rest of the writing transaction.',
      labelNames: ['topic'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    // A database clock ahead of this host's would make a lag negative: it counts as none.
    on('event:fannedOut', ({ topic, createdAt }) => lag.observe({ topic }, Math.max(0, Date.now() - createdAt.getTime()) / 1000));
    new Gauge({
      name: 'faultline_live_queued_events',
      help: 'Events waiting in the hub for their subscribers (queued for a slow client, or behind a replay), all subscriptions together.',
      registers: [this.registry],
      collect() {
        this.set(hub.queueDepths.reduce((sum, depth) => sum + depth, 0));
      },
    });
    new Gauge({
      name: 'faultline_live_queued_events_max',
      help: 'The most events waiting for any one subscription (it is ended as too slow at the hub\'s bound, 10,000 by default).',
      registers: [this.registry],
      collect() {
        this.set(Math.max(0, ...hub.queueDepths));
      },
    });
    const lost = new Counter({
      name: 'faultline_listen_lost_total',
      help: 'Times the LISTEN connection was lost or could not be reopened (each failed attempt counts).',
      registers: [this.registry],
    });
    const reconnects = new Counter({
      name: 'faultline_listen_reconnects_total',
      help: 'Times the LISTEN connection was re-established after a loss.',
      registers: [this.registry],
    });
    let down = false;
    on('listen:lost', () => {
      down = true;
      lost.inc();
    });
    on('listen:connected', ({ downMs }) => {
      if (down || downMs > 0) reconnects.inc();
      down = false;
    });
  }

  /** How the query pool uses its connections: what postgres.js lets us see, and what PostgreSQL reports. */
  private database(sql: Sql): void {
    const pool = poolUse(sql);
    if (pool) {
      new Gauge({
        name: 'faultline_db_pool_max',
        help: 'Connections the query pool of this process may open (DATABASE_POOL_SIZE).',
        registers: [this.registry],
        collect() {
          this.set(pool.max);
        },
      });
      new Gauge({
        name: 'faultline_db_pool_open',
        help: 'Connections the query pool of this process holds open (idle ones close after 30 s); the LISTEN connections are apart.',
        registers: [this.registry],
        collect() {
          this.set(pool.open());
        },
      });
    }
    new Gauge({
      name: 'faultline_db_sessions',
      help:
        'Sessions of the service\'s query pools on its database by state (active: running a statement; idle; idle in ' +
        'transaction), as pg_stat_activity reports them: every instance and worker together, this scrape\'s own excluded. ' +
        'Absent when the database does not answer within a second.',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), SESSIONS_TIMEOUT_MS);
        });
        try {
          const states = await Promise.race([sessionStates(sql, APPLICATION_NAME), timeout]);
          if (states) {
            // The states an operator alerts on are present even at zero.
            for (const state of ['active', 'idle', 'idle in transaction']) this.set({ state }, 0);
            for (const { state, count } of states) this.set({ state }, count);
          }
        } catch {
          // The database is away: /ready says so; the scrape still answers.
        } finally {
          clearTimeout(timer);
        }
      },
    });
  }

  /** Stops following the hub. */
  dispose(): void {
    for (const unhook of this.unhook.splice(0)) unhook();
  }

  /** The text exposition, for GET /metrics. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
