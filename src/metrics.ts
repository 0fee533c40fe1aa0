// Prometheus metrics on /metrics: requests and their latency by operation, errors by code, open WebSocket
// connections and SSE streams, subscriptions in this process, pool connections closed, and the process's
// own (heap, event loop lag, CPU). One registry per server, so several servers in one process (tests) do
// not share counts. Labels are bounded: an operation is its type and first root field, never a name the
// client chose.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsSources {
  /** Open WebSocket connections. */
  websockets: () => number;
  /** Open SSE streams. */
  sseStreams: () => number;
  /** Subscriptions registered with the event hub in this process. */
  subscriptions: () => number;
}

export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<'operation' | 'status'>;
  readonly duration: Histogram<'operation'>;
  readonly errors: Counter<'code'>;

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
  }

  /** The text exposition, for GET /metrics. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
