// The live and database metrics on /metrics move with what they measure: subscribers by topic and transport
// go up on subscribe and down on unsubscribe, event lag counts each event fanned out, queue depths follow a
// subscriber that does not read, a killed LISTEN connection counts as lost and reconnected, and the pool's
// sessions show one held inside a transaction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitReport } from '../src/data/report-changes.js';
import type { EventHub } from '../src/events/hub.js';
import type { LiveEventMap } from '../src/events/lifecycle.js';
import { reportTopic } from '../src/live/topics/report.js';
import { sseSubscribe, wsClient } from './helpers/clients.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { startTestServer, subscribedOn, type TestServer } from './helpers/server.js';

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db.url);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

async function scrape(): Promise<string> {
  const response = await fetch(server.url.replace(/graphql$/, 'metrics'));
  expect(response.status).toBe(200);
  return await response.text();
}

/** The value of one sample (name and exact labels, in prom-client's order), or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const rendered = Object.entries(labels)
    .map(([label, value]) => `${label}="${value}"`)
    .join(',');
  const prefix = rendered ? `${name}{${rendered}} ` : `${name} `;
  const line = text.split('\n').find((candidate) => candidate.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

/** Resolves with the payload of the hub's next lifecycle event `name`. */
function next<K extends keyof LiveEventMap>(hub: EventHub, name: K): Promise<LiveEventMap[K][0]> {
  return new Promise((resolve) => hub.once(name, ((payload: LiveEventMap[K][0]) => resolve(payload)) as never));
}

let urls = 0;
const report = () => submitReport(db.sql, { url: `https://metrics.example.org/${++urls}`, title: `Metrics ${urls}`, publisher: 'p' });

describe('live metrics', () => {
  it('counts subscribers by topic and transport, up on subscribe and down when they leave', async () => {
    const ws = { topic: 'reportAdded', transport: 'websocket' };
    const sse = { topic: 'incidentChanged', transport: 'sse' };
    const before = await scrape();
    const client = wsClient(server.url);
    const subscription = await subscribedOn(server, client, 'subscription { reportAdded { cursor } }');
    const sseRegistered = next(server.events, 'subscriber:subscribed');
    const stream = sseSubscribe(server.url, 'subscription { incidentChanged { cursor } }');
    await sseRegistered;

    const during = await scrape();
    expect(sample(during, 'faultline_live_subscribers', ws)).toBe((sample(before, 'faultline_live_subscribers', ws) ?? 0) + 1);
    expect(sample(during, 'faultline_live_subscribers', sse)).toBe((sample(before, 'faultline_live_subscribers', sse) ?? 0) + 1);

    const wsLeft = next(server.events, 'subscriber:unsubscribed');
    subscription.dispose();
    await client.dispose();
    expect(await wsLeft).toEqual(ws);
    const sseLeft = next(server.events, 'subscriber:unsubscribed');
    const closing = stream.close();
    expect(await sseLeft).toEqual(sse);
    await closing;

    const after = await scrape();
    expect(sample(after, 'faultline_live_subscribers', ws)).toBe(sample(before, 'faultline_live_subscribers', ws) ?? 0);
    expect(sample(after, 'faultline_live_subscribers', sse)).toBe(sample(before, 'faultline_live_subscribers', sse) ?? 0);
  });

  it('observes the lag of each event fanned out, by topic', async () => {
    const count = (text: string) => sample(text, 'faultline_live_event_lag_seconds_count', { topic: 'reportAdded' }) ?? 0;
    const before = count(await scrape());
    const client = wsClient(server.url);
    const subscription = await subscribedOn(server, client, 'subscription { reportAdded { cursor } }');
    await report();
    await report();
    await subscription.until(2);
    const text = await scrape();
    expect(count(text)).toBe(before + 2);
    // Every observation falls in some bucket: +Inf holds them all, and the sum is a number of seconds.
    expect(sample(text, 'faultline_live_event_lag_seconds_bucket', { le: '+Inf', topic: 'reportAdded' })).toBe(before + 2);
    expect(sample(text, 'faultline_live_event_lag_seconds_sum', { topic: 'reportAdded' })).toBeGreaterThanOrEqual(0);
    subscription.dispose();
    await client.dispose();
  });

  it('shows the events waiting for a subscriber that does not read', async () => {
    // A subscription taken straight from the hub and never read: what is fanned out to it waits in its queue.
    const stream = await server.events.subscribe(reportTopic, {}, undefined, 'test');
    for (let written = 1; written <= 3; written++) {
      const fanned = next(server.events, 'event:fannedOut');
      await report();
      await fanned;
    }
    const during = await scrape();
    expect(sample(during, 'faultline_live_queued_events')).toBe(3);
    expect(sample(during, 'faultline_live_queued_events_max')).toBe(3);
    expect(sample(during, 'faultline_live_subscribers', { topic: 'reportAdded', transport: 'test' })).toBe(1);
    await stream.return();
    const after = await scrape();
    expect(sample(after, 'faultline_live_queued_events')).toBe(0);
    expect(sample(after, 'faultline_live_subscribers', { topic: 'reportAdded', transport: 'test' })).toBe(0);
  });

  it('counts a lost LISTEN connection and its reconnection', async () => {
    const before = await scrape();
    const reconnected = next(server.events, 'listen:connected');
    const terminated = await db.sql<{ ok: boolean }[]>`
      select pg_terminate_backend(pid) as ok from pg_stat_activity
      where application_name = 'faultline-listen' and datname = current_database()
    `;
    expect(terminated.map((row) => row.ok)).toEqual([true]);
    await reconnected;
    const after = await scrape();
    expect(sample(after, 'faultline_listen_reconnects_total')).toBe((sample(before, 'faultline_listen_reconnects_total') ?? 0) + 1);
    expect(sample(after, 'faultline_listen_lost_total')).toBeGreaterThan(sample(before, 'faultline_listen_lost_total') ?? 0);
  });
});

describe('database metrics', () => {
  it('shows the pool size, its open connections, and a session held in a transaction', async () => {
    const idleInTransaction = (text: string) => sample(text, 'faultline_db_sessions', { state: 'idle in transaction' });
    const before = await scrape();
    expect(sample(before, 'faultline_db_pool_max')).toBe(5);
    expect(idleInTransaction(before)).toBe(0);
    const reserved = await server.sql.reserve();
    try {
      await reserved`begin`;
      await reserved`select 1`;
      const during = await scrape();
      expect(idleInTransaction(during)).toBe(1);
      const open = sample(during, 'faultline_db_pool_open')!;
      expect(open).toBeGreaterThanOrEqual(1);
      expect(open).toBeLessThanOrEqual(5);
      await reserved`rollback`;
    } finally {
      reserved.release();
    }
    expect(idleInTransaction(await scrape())).toBe(0);
  });
});
