import type { Fragment } from 'postgres';
import type { Queryable } from '../db/index.js';
import type { DatePrecision, Sorted } from './incidents.js';
import { byIds, groupByParent, keyset, pageLimit, type PageRequest } from './pagination.js';
import { searchQuery } from './text-search.js';

export const STANCES = ['supports', 'opposes', 'conditional', 'neutral', 'unclear'] as const;
export type Stance = (typeof STANCES)[number];
export const CONFIDENCES = ['low', 'medium', 'high'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/** A `policy_topics` row. */
export interface PolicyTopicRow {
  id: string;
  slug: string;
  name: string;
  description: string;
  created_at: Date;
  updated_at: Date;
}

/** A `policy_positions` row, with its place in the actor's stance history on the topic. */
export interface PolicyPositionRow {
  id: string;
  actor_id: string;
  speaker_id: string | null;
  /** An unnamed speaker in words ("a spokesperson"); null when the speaker is named or no one is. */
  speaker_description: string | null;
  topic_id: string;
  stance: Stance;
  summary: string;
  quote: string | null;
  stated_on: string | null;
  stated_precision: DatePrecision;
  confidence: Confidence;
  /** False for a remark that does not change the actor's stance: never current, replaces nothing. */
  changes_stance: boolean;
  /** The actor's previous stance on the topic by stated date (unretracted). */
  supersedes_id: string | null;
  /** The actor's next stance on the topic by stated date (unretracted). */
  superseded_by_id: string | null;
  retracted_at: Date | null;
  is_current: boolean;
  created_at: Date;
}

export interface PositionFilter {
  actorId?: string | undefined;
  topicId?: string | undefined;
  stances?: Stance[] | undefined;
  /** Also positions that are no longer current (superseded, or remarks that never change a stance). */
  includeSuperseded?: boolean | undefined;
  /** Also retracted positions. */
  includeRetracted?: boolean | undefined;
  /** Full-text search (web-search syntax) over summary and quote. */
  search?: string | undefined;
}

/**
 * The stances of `p`'s actor on `p`'s topic that count: unretracted and changing the stance, ordered by
 * stated date, then recording order. `op` picks the ones after (>) or before (<) `p`.
 */
const otherStances = (sql: Queryable, op: '>' | '<') => sql`
  select n.id from policy_positions n
  where n.actor_id = p.actor_id and n.topic_id = p.topic_id and n.retracted_at is null and n.changes_stance
    and (n.stated_sort, n.id) ${op === '>' ? sql`>` : sql`<`} (p.stated_sort, p.id)
`;

// An actor's current position on a topic is its latest *stated* unretracted one that changes the stance
// (ties by recording order): a stance recorded late but stated early never displaces a newer one.
const columns = (sql: Queryable) => sql`
  p.id, p.actor_id, p.speaker_id, p.speaker_description, p.topic_id, p.stance, p.summary, p.quote, p.stated_on,
  p.stated_precision, p.confidence, p.changes_stance, p.retracted_at, p.created_at,
  case when p.changes_stance then (${otherStances(sql, '>')} order by n.stated_sort, n.id limit 1) end as superseded_by_id,
  case when p.changes_stance then (${otherStances(sql, '<')} order by n.stated_sort desc, n.id desc limit 1) end as supersedes_id,
  (p.retracted_at is null and p.changes_stance and not exists (${otherStances(sql, '>')})) as is_current
`;

/**
 * A position as JSON in the shape of `positionsByIds`' rows (ids as text), given an expression for its id:
 * what events store as the record they announced, whether it was current included.
 */
export const positionSnapshotSql = (sql: Queryable, id: Fragment): Fragment => sql`
  (select to_jsonb(s) || jsonb_build_object('id', s.id::text, 'actor_id', s.actor_id::text, 'speaker_id', s.speaker_id::text,
     'topic_id', s.topic_id::text, 'supersedes_id', s.supersedes_id::text, 'superseded_by_id', s.superseded_by_id::text)
   from (select ${columns(sql)} from policy_positions p where p.id = ${id}) s)
`;

/** The `and ...` conditions that keep only current positions of `policy_positions p`. */
export const currentOnly = (sql: Queryable) => sql`
  and p.retracted_at is null and p.changes_stance and not exists (${otherStances(sql, '>')})
`;

function filterClause(sql: Queryable, filter: PositionFilter) {
  return sql`
    ${filter.actorId ? sql`and p.actor_id = ${filter.actorId}` : sql``}
    ${filter.topicId ? sql`and p.topic_id = ${filter.topicId}` : sql``}
    ${filter.stances?.length ? sql`and p.stance = any(${filter.stances})` : sql``}
    ${filter.includeSuperseded ? sql`` : currentOnly(sql)}
    ${filter.includeRetracted ? sql`` : sql`and p.retracted_at is null`}
    ${filter.search ? sql`and p.search_vector @@ ${searchQuery(sql, filter.search)}` : sql``}
  `;
}

/** One keyset page of positions, most recently stated first. */
export async function listPositions(
  sql: Queryable,
  filter: PositionFilter,
  page: PageRequest,
): Promise<Sorted<PolicyPositionRow>[]> {
  const { where, orderBy, sortKey } = keyset(sql, { column: sql`p.stated_sort`, type: 'date' }, sql`p.id`, 'desc', page);
  return sql<Sorted<PolicyPositionRow>[]>`
    select ${columns(sql)}, ${sortKey} as sort_key
    from policy_positions p
    where true ${filterClause(sql, filter)} ${where}
    order by ${orderBy}
    limit ${pageLimit(sql, page)}
  `;
}

/** How many positions match the filter. */
export async function countPositions(sql: Queryable, filter: PositionFilter): Promise<number> {
  const [row] = await sql<{ count: number }[]>`
    select count(*)::int as count from policy_positions p where true ${filterClause(sql, filter)}
  `;
  return row?.count ?? 0;
}

/** Positions by id, in the order asked. */
export async function positionsByIds(sql: Queryable, ids: readonly string[]): Promise<(PolicyPositionRow | null)[]> {
  return byIds(ids, await sql<PolicyPositionRow[]>`select ${columns(sql)} from policy_positions p where p.id = any(${ids})`);
}

/** Which positions a nested list shows: current ones unless asked for more. */
export interface PositionScope {
  includeSuperseded: boolean;
  includeRetracted: boolean;
}

const scopeClause = (sql: Queryable, scope: PositionScope) => sql`
  ${scope.includeSuperseded ? sql`` : currentOnly(sql)}
  ${scope.includeRetracted ? sql`` : sql`and p.retracted_at is null`}
`;

/** Positions of each actor (current only unless asked), grouped per actor id. */
export async function positionsOfActors(
  sql: Queryable,
  actorIds: readonly string[],
  scope: PositionScope,
): Promise<PolicyPositionRow[][]> {
  const rows = await sql<(PolicyPositionRow & { parent_id: string })[]>`
    select ${columns(sql)}, p.actor_id as parent_id
    from policy_positions p
    where p.actor_id = any(${actorIds}) ${scopeClause(sql, scope)}
    order by p.actor_id, p.stated_sort desc, p.id desc
  `;
  return groupByParent(actorIds, rows);
}

/** Positions of each topic (current only unless asked), grouped per topic id. */
export async function positionsOfTopics(
  sql: Queryable,
  topicIds: readonly string[],
  scope: PositionScope,
): Promise<PolicyPositionRow[][]> {
  const rows = await sql<(PolicyPositionRow & { parent_id: string })[]>`
    select ${columns(sql)}, p.topic_id as parent_id
    from policy_positions p
    where p.topic_id = any(${topicIds}) ${scopeClause(sql, scope)}
    order by p.topic_id, array_position(array['supports','opposes','conditional','neutral','unclear'], p.stance),
      p.stated_sort desc, p.id desc
  `;
  return groupByParent(topicIds, rows);
}

/** A topic and a stance: one group of `positionsByStance`. */
export interface TopicStanceKey {
  topicId: string;
  stance: Stance;
}

/** One page of current positions for each (topic, stance), most recently stated first, batched. */
export async function currentPositionsOfTopicStances(
  sql: Queryable,
  keys: readonly TopicStanceKey[],
  page: PageRequest,
): Promise<Sorted<PolicyPositionRow>[][]> {
  const { where, orderBy, sortKey } = keyset(sql, { column: sql`p.stated_sort`, type: 'date' }, sql`p.id`, 'desc', page);
  const wanted = keys.map((key) => `${key.topicId}:${key.stance}`);
  const rows = await sql<Sorted<PolicyPositionRow & { parent_id: string }>[]>`
    select * from (
      select ${columns(sql)}, ${sortKey} as sort_key, p.topic_id || ':' || p.stance as parent_id,
        row_number() over (partition by p.topic_id, p.stance order by ${orderBy}) as position
      from policy_positions p
      where p.topic_id = any(${[...new Set(keys.map((key) => key.topicId))]})
        and p.stance = any(${[...new Set(keys.map((key) => key.stance))]}) ${currentOnly(sql)} ${where}
    ) ranked
    where parent_id = any(${wanted}) and position <= ${pageLimit(sql, page)}
    order by parent_id, position
  `;
  return groupByParent(wanted, rows);
}

/** The positions citing each incident (current and past; retracted ones only when asked), grouped per incident id. */
export async function positionsCitingIncidents(
  sql: Queryable,
  incidentIds: readonly string[],
  includeRetracted: boolean,
): Promise<PolicyPositionRow[][]> {
  const rows = await sql<(PolicyPositionRow & { parent_id: string })[]>`
    select ${columns(sql)}, l.incident_id as parent_id
    from policy_position_incidents l join policy_positions p on p.id = l.position_id
    where l.incident_id = any(${incidentIds}) ${includeRetracted ? sql`` : sql`and p.retracted_at is null`}
    order by l.incident_id, p.stated_sort desc, p.id desc
  `;
  return groupByParent(incidentIds, rows);
}

/** Every topic in name order (a short list). */
export async function listTopics(sql: Queryable): Promise<PolicyTopicRow[]> {
  return sql<PolicyTopicRow[]>`
    select id, slug, name, description, created_at, updated_at from policy_topics order by name, id
  `;
}

/** Topics by id, in the order asked. */
export async function topicsByIds(sql: Queryable, ids: readonly string[]): Promise<(PolicyTopicRow | null)[]> {
  return byIds(ids, await sql<PolicyTopicRow[]>`
    select id, slug, name, description, created_at, updated_at from policy_topics where id = any(${ids})
  `);
}

/** The topic with this slug. */
export async function topicBySlug(sql: Queryable, slug: string): Promise<PolicyTopicRow | null> {
  const [row] = await sql<PolicyTopicRow[]>`
    select id, slug, name, description, created_at, updated_at from policy_topics where slug = ${slug}
  `;
  return row ?? null;
}
