import type { Sql } from '../db/index.js';
import type { Logger } from '../logger.js';
import type { Viewer } from '../auth/viewer.js';
import type { EventHub } from '../events/hub.js';

/** What every resolver receives: one per HTTP request, one per subscription. */
export interface GraphQLContext {
  sql: Sql;
  viewer: Viewer;
  requestId: string;
  logger: Logger;
  events: EventHub;
  /** SSE's Last-Event-ID header: the cursor an EventSource resumes from when it reconnects. */
  lastEventId?: string | undefined;
  /** How the request is served: over a WebSocket, as an SSE stream, or plain HTTP (metrics count subscribers by it). */
  transport?: 'websocket' | 'sse' | 'http';
}
