// The LISTEN connection comes back after it is lost, with doubling, jittered delays, says so in the log and as
// lifecycle events, and catches up on what committed meanwhile: killed 20 times in a row, nothing is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitReport } from '../src/data/report-changes.js';
import { EventHub } from '../src/events/hub.js';
import type { LiveEventMap } from '../src/events/lifecycle.js';
import { LOG_START, type EventLog, type LogListener } from '../src/events/log.js';
import { TOPICS } from '../src/live/topics/index.js';
import { createLogger } from '../src/logger.js';
import { collect, wsClient } from './helpers/clients.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { nextSubscription, startTestServer, type TestServer } from './helpers/server.js';

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

/** Resolves with the payload of the hub's next lifecycle event `name`. */
function next<K extends keyof LiveEventMap>(hub: EventHub, name: K): Promise<LiveEventMap[K][0]> {
  return new Promise((resolve) => hub.once(name, ((payload: LiveEventMap[K][0]) => resolve(payload)) as never));
}

describe('the LISTEN connection', () => {
  it('killed 20 times in a row, comes back each time and loses no event', async () => {
    const client = wsClient(server.url);
    const registered = nextSubscription(server.events);
    const subscription = collect(client, 'subscription { reportAdded { report { url } } }');
    await registered;
    const lost: Array<LiveEventMap['listen:lost'][0]> = [];
    const onLost = (payload: LiveEventMap['listen:lost'][0]) => lost.push(payload);
    server.events.on('listen:lost', onLost);

    const urls: string[] = [];
    for (let kill = 0; kill < 20; kill++) {
      const reconnected = next(server.events, 'listen:connected');
      const caughtUp = next(server.events, 'listen:caughtUp');
      const terminated = await db.sql<{ ok: boolean }[]>`
        select pg_terminate_backend(pid) as ok from pg_stat_activity
        where application_name = 'faultline-listen' and datname = current_database()
      `;
      expect(terminated.map((row) => row.ok)).toEqual([true]);
      // Committed while the connection is down or coming back: its NOTIFY may be lost, its event is not.
      const url = `https://listen.example.org/${kill}`;
      await submitReport(db.sql, { url, title: `While down ${kill}`, publisher: 'p' });
      urls.push(url);
      await reconnected;
      await caughtUp;
    }
    server.events.off('listen:lost', onLost);
    const sentinel = 'https://listen.example.org/sentinel';
    await submitReport(db.sql, { url: sentinel, title: 'Sentinel', publisher: 'p' });

    const received = (await subscription.until(21)).map((result) => (result.data as { reportAdded: { report: { url: string } } }).reportAdded.report.url);
    expect(received).toEqual([...urls, sentinel]);
    expect(lost).toHaveLength(20);
    expect(lost.every((event) => event.attempt === 0 && event.retryInMs >= 5 && event.retryInMs <= 10)).toBe(true);
    expect(server.logs.filter((line) => line.includes('LISTEN connection lost; reconnecting'))).toHaveLength(20);
    expect(server.logs.filter((line) => line.includes('LISTEN connection re-established'))).toHaveLength(20);
    subscription.dispose();
    await client.dispose();
  });
});

describe('reconnecting', () => {
  it('waits longer after each failed attempt, doubling up to a ceiling, with jitter in the upper half', async () => {
    // A log whose LISTEN fails `failures` times after the first loss, then opens again.
    let failures = 5;
    let lose: ((error: Error) => void) | undefined;
    const log: EventLog = {
      settledEnd: async () => LOG_START,
      readSettled: async () => [],
      readRange: async () => [],
      locate: async () => 'unknown',
      snapshots: async () => new Map(),
      prune: async () => 0,
      listen: async (handlers): Promise<LogListener> => {
        if (lose && failures-- > 0) throw new Error('connection refused');
        lose = handlers.lost;
        return { close: async () => {} };
      },
    };
    const lines: string[] = [];
    const hub = new EventHub({ log, topics: TOPICS, logger: createLogger('debug', (line) => lines.push(line)), listenBackoff: { initialMs: 4, maxMs: 40 } });
    await hub.start();
    const lost: Array<LiveEventMap['listen:lost'][0]> = [];
    hub.on('listen:lost', (payload) => lost.push(payload));
    const connected = next(hub, 'listen:connected');
    lose!(new Error('terminated'));
    const { attempt } = await connected;
    await hub.stop();

    expect(attempt).toBe(6);
    expect(lost.map((event) => [event.attempt, event.error])).toEqual([
      [0, 'terminated'],
      ...[1, 2, 3, 4, 5].map((n) => [n, 'connection refused']),
    ]);
    // Ceilings 4, 8, 16, 32, 40, 40 ms; each delay drawn from the upper half of its ceiling.
    const ceilings = [4, 8, 16, 32, 40, 40];
    lost.forEach((event, i) => {
      expect(event.retryInMs).toBeGreaterThanOrEqual(ceilings[i]! / 2);
      expect(event.retryInMs).toBeLessThanOrEqual(ceilings[i]!);
    });
    expect(lines.filter((line) => line.includes('LISTEN connection lost; reconnecting'))).toHaveLength(6);
    expect(lines.some((line) => line.includes('LISTEN connection re-established') && line.includes('"attempt":6'))).toBe(true);
  });
});
