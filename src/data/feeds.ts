// The reads behind the Atom feeds (src/export/atom.ts): the newest events of some kinds with their snapshots,
// and, for events about an actor's statement or action, that actor's slug and name.
import type { Queryable } from '../db/index.js';
import type { LoggedEvent } from '../events/log.js';

/** An event as a feed shows it. */
export interface FeedEventRow extends LoggedEvent {
  /** The record as the event announced it; null for events written before snapshots were kept. */
  snapshot: Record<string, unknown> | null;
  /** The actor of a position or action event (snapshot.actor_id), when it still exists. */
  actor_slug: string | null;
  actor_name: string | null;
  /** The policy topic of a position event (snapshot.topic_id), when it still exists. */
  topic_slug: string | null;
  topic_name: string | null;
}

/** The newest `limit` events of these kinds, newest first (in log order), with their snapshots. */
export async function newestEvents(sql: Queryable, kinds: readonly string[], limit: number): Promise<FeedEventRow[]> {
  return sql<FeedEventRow[]>`
    select e.id::text as id, e.xact_id::text as xact_id, e.kind, e.entity_id::text as entity_id, e.attributes, e.previous,
      e.created_at, e.snapshot, a.slug as actor_slug, a.name as actor_name, t.slug as topic_slug, t.name as topic_name
    from (
      select * from events where kind = any(${kinds as string[]})
      order by events.xact_id desc, events.id desc
      limit ${limit}
    ) e
    left join actors a on a.id = case when e.snapshot ? 'actor_id' then (e.snapshot->>'actor_id')::bigint end
    left join policy_topics t on t.id = case when e.snapshot ? 'topic_id' then (e.snapshot->>'topic_id')::bigint end
    order by e.xact_id desc, e.id desc
  `;
}
