// Where the live core meets the data layer: the hub over this database's event log, with every topic.
import type { Sql } from '../db/index.js';
import { eventLog } from '../data/event-log.js';
import { EventHub, type EventHubOptions } from '../events/hub.js';
import { TOPICS } from './topics/index.js';

/** An EventHub over the event log of the database at `url` (`sql` is its pool), serving every topic. */
export function createEventHub(options: { sql: Sql; url: string } & Omit<EventHubOptions, 'log' | 'topics'>): EventHub {
  const { sql, url, ...rest } = options;
  return new EventHub({ ...rest, log: eventLog(sql, url), topics: TOPICS });
}
