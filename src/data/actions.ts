// Actions: what stakeholders did (demanded, threatened, refused, said), as opposed to the positions they
// hold. Reads; writes are in action-changes.ts.
import type { Fragment } from 'postgres';
import type { Queryable } from '../db/index.js';
import { actorColumns, type ActorRow } from './actors.js';
import type { DatePrecision, Sorted } from './incidents.js';
import { legalInstrumentColumns, type LegalInstrumentRow } from './legal-instruments.js';
import { byIds, groupByParent, keyset, pageLimit, type PageRequest } from './pagination.js';
import type { PolicyTopicRow } from './policy.js';
import { searchQuery } from './text-search.js';

export const ACTION_KINDS = ['demand', 'ultimatum', 'refusal', 'statement', 'negotiation', 'contract', 'sanction', 'other'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];
export const ACTION_OUTCOMES = ['pending', 'met', 'refused', 'lapsed', 'withdrawn'] as const;
export type ActionOutcome = (typeof ACTION_OUTCOMES)[number];

/** An `actions` row. */
export interface ActionRow {
  id: string;
  kind: ActionKind;
  actor_id: string;
  speaker_id: string | null;
  speaker_description: string | null;
  summary: string;
  occurred_on: string | null;
  occurred_precision: DatePrecision;
  deadline_on: string | null;
  deadline_precision: DatePrecision;
  deadline_text: string | null;
  threatened_consequence: string | null;
  responds_to_id: string | null;
  outcome: ActionOutcome | null;
  version: number;
  retracted_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface ActionFilter {
  /** The acting actor. */
  actorId?: string | undefined;
  addresseeId?: string | undefined;
  topicId?: string | undefined;
  legalInstrumentId?: string | undefined;
  kinds?: ActionKind[] | undefined;
  outcomes?: ActionOutcome[] | undefined;
  /** Actions whose date (its whole period, for a month or year) reaches into [from, to]. */
  from?: string | undefined;
  to?: string | undefined;
  /** Full-text search (web-search syntax) over summary, threatened consequence, deadline and speaker. */
  search?: string | undefined;
  includeRetracted?: boolean | undefined;
}

/** The columns of an ActionRow, read from `actions ac`. */
export const actionColumns = (sql: Queryable) => sql`
  ac.id, ac.kind, ac.actor_id, ac.speaker_id, ac.speaker_description, ac.summary, ac.occurred_on, ac.occurred_precision,
  ac.deadline_on, ac.deadline_precision, ac.deadline_text, ac.threatened_consequence, ac.responds_to_id, ac.outcome,
  ac.version, ac.retracted_at, ac.created_at, ac.updated_at
`;
const columns = actionColumns;

/**
 * An action as JSON in the shape of `actionsByIds`' rows (ids as text), given an expression for its id: what
 * events store as the record they announced.
 */
export const actionSnapshotSql = (sql: Queryable, id: Fragment): Fragment => sql`
  (select to_jsonb(s) || jsonb_build_object('id', s.id::text, 'actor_id', s.actor_id::text, 'speaker_id', s.speaker_id::text,
     'responds_to_id', s.responds_to_id::text)
   from (select ${columns(sql)} from actions ac where ac.id = ${id}) s)
`;

// The last day an action's period covers: a month-precision date is stored as the 1st of the month.
const occurredUntil = (sql: Queryable) => sql`
  (ac.occurred_on + case ac.occurred_precision
    when 'month' then interval '1 month' - interval '1 day'
    when 'year' then interval '1 year' - interval '1 day'
    else interval '0 days' end)::date
`;

/** The `and ...` conditions of an action filter over `actions ac`. */
export function actionFilterClause(sql: Queryable, filter: ActionFilter): Fragment {
  return sql`
    ${filter.actorId ? sql`and ac.actor_id = ${filter.actorId}` : sql``}
    ${filter.addresseeId ? sql`
      and exists (select 1 from action_addressees x where x.action_id = ac.id and x.actor_id = ${filter.addresseeId})` : sql``}
    ${filter.topicId ? sql`
      and exists (select 1 from action_topics x where x.action_id = ac.id and x.topic_id = ${filter.topicId})` : sql``}
    ${filter.legalInstrumentId ? sql`
      and exists (select 1 from action_legal_instruments x where x.action_id = ac.id and x.legal_instrument_id = ${filter.legalInstrumentId})` : sql``}
    ${filter.kinds?.length ? sql`and ac.kind = any(${filter.kinds})` : sql``}
    ${filter.outcomes?.length ? sql`and ac.outcome = any(${filter.outcomes})` : sql``}
    ${filter.from ? sql`and ${occurredUntil(sql)} >= ${filter.from}` : sql``}
    ${filter.to ? sql`and ac.occurred_on <= ${filter.to}` : sql``}
    ${filter.search ? sql`and ac.search_vector @@ ${searchQuery(sql, filter.search)}` : sql``}
    ${filter.includeRetracted ? sql`` : sql`and ac.retracted_at is null`}
  `;
}

/** One keyset page of actions, most recent first (undated ones last). */
export async function listActions(sql: Queryable, filter: ActionFilter, page: PageRequest): Promise<Sorted<ActionRow>[]> {
  const { where, orderBy, sortKey } = keyset(sql, { column: sql`ac.occurred_sort`, type: 'date' }, sql`ac.id`, 'desc', page);
  return sql<Sorted<ActionRow>[]>`
    select ${columns(sql)}, ${sortKey} as sort_key
    from actions ac
    where true ${actionFilterClause(sql, filter)} ${where}
    order by ${orderBy}
    limit ${pageLimit(sql, page)}
  `;
}

/** How many actions match the filter. */
export async function countActions(sql: Queryable, filter: ActionFilter): Promise<number> {
  const [row] = await sql<{ count: number }[]>`
    select count(*)::int as count from actions ac where true ${actionFilterClause(sql, filter)}
  `;
  return row?.count ?? 0;
}

/** Actions by id, in the order asked. */
export async function actionsByIds(sql: Queryable, ids: readonly string[]): Promise<(ActionRow | null)[]> {
  return byIds(ids, await sql<ActionRow[]>`select ${columns(sql)} from actions ac where ac.id = any(${ids})`);
}

/** How an actor took part in an action. */
export const ACTION_ACTOR_ROLES = ['actor', 'speaker', 'addressee'] as const;
export type ActionActorRole = (typeof ACTION_ACTOR_ROLES)[number];

/** What a nested list of actions hangs from: an actor (in some roles), a topic or a legal instrument. */
export type ActionParent =
  | { kind: 'actor'; roles: readonly ActionActorRole[] }
  | { kind: 'topic' }
  | { kind: 'instrument' };

/** (action_id, parent_id) pairs linking actions to their parents. */
function parentLinks(sql: Queryable, parent: ActionParent, ids: readonly string[]): Fragment {
  if (parent.kind === 'topic') return sql`select action_id, topic_id as parent_id from action_topics where topic_id = any(${ids})`;
  if (parent.kind === 'instrument') {
    return sql`select action_id, legal_instrument_id as parent_id from action_legal_instruments where legal_instrument_id = any(${ids})`;
  }
  const parts: Fragment[] = [];
  if (parent.roles.includes('actor')) parts.push(sql`select id as action_id, actor_id as parent_id from actions where actor_id = any(${ids})`);
  if (parent.roles.includes('speaker')) parts.push(sql`select id as action_id, speaker_id as parent_id from actions where speaker_id = any(${ids})`);
  if (parent.roles.includes('addressee')) parts.push(sql`select action_id, actor_id as parent_id from action_addressees where actor_id = any(${ids})`);
  // `union` (not `union all`): an actor that both acted and spoke is listed once.
  return parts.reduce((all, part) => sql`${all} union ${part}`);
}

/** One page of actions for each parent, most recent first, batched with a window function. */
export async function actionsOf(
  sql: Queryable,
  parent: ActionParent,
  ids: readonly string[],
  filter: ActionFilter,
  page: PageRequest,
): Promise<Sorted<ActionRow & { parent_id: string }>[][]> {
  const { where, orderBy, sortKey } = keyset(sql, { column: sql`ac.occurred_sort`, type: 'date' }, sql`ac.id`, 'desc', page);
  const rows = await sql<Sorted<ActionRow & { parent_id: string }>[]>`
    select * from (
      select ${columns(sql)}, ${sortKey} as sort_key, l.parent_id,
        row_number() over (partition by l.parent_id order by ${orderBy}) as position
      from (${parentLinks(sql, parent, ids)}) l join actions ac on ac.id = l.action_id
      where true ${actionFilterClause(sql, filter)} ${where}
    ) ranked
    where position <= ${pageLimit(sql, page)}
    order by parent_id, position
  `;
  return groupByParent(ids, rows);
}

/** How many actions each parent has under the filter. */
export async function countActionsOf(sql: Queryable, parent: ActionParent, ids: readonly string[], filter: ActionFilter): Promise<number[]> {
  const rows = await sql<{ parent_id: string; count: number }[]>`
    select l.parent_id, count(*)::int as count
    from (${parentLinks(sql, parent, ids)}) l join actions ac on ac.id = l.action_id
    where true ${actionFilterClause(sql, filter)}
    group by l.parent_id
  `;
  const counts = new Map(rows.map((row) => [row.parent_id, row.count]));
  return ids.map((id) => counts.get(id) ?? 0);
}

/** The unretracted actions that respond to each action, in date order, grouped per action id. */
export async function responsesToActions(sql: Queryable, ids: readonly string[]): Promise<ActionRow[][]> {
  const rows = await sql<(ActionRow & { parent_id: string })[]>`
    select ${columns(sql)}, ac.responds_to_id as parent_id
    from actions ac
    where ac.responds_to_id = any(${ids}) and ac.retracted_at is null
    order by ac.responds_to_id, ac.occurred_sort, ac.id
  `;
  return groupByParent(ids, rows);
}

/** The addressees of each action (organisations before people, then by name), grouped per action id. */
export async function addresseesOfActions(sql: Queryable, ids: readonly string[]): Promise<ActorRow[][]> {
  const rows = await sql<(ActorRow & { parent_id: string })[]>`
    select ${actorColumns(sql)}, x.action_id as parent_id
    from action_addressees x join actors a on a.id = x.actor_id
    where x.action_id = any(${ids})
    order by x.action_id, a.kind = 'person', a.name, a.id
  `;
  return groupByParent(ids, rows);
}

/** Money at stake in an action, as the sources give it. */
export interface StakeRow {
  id: string;
  parent_id: string;
  /** numeric, as text: no float rounding. */
  amount: string;
  currency: string;
  approximate: boolean;
  description: string;
}

/** The stakes of each action, in the order recorded. */
export async function stakesOfActions(sql: Queryable, ids: readonly string[]): Promise<StakeRow[][]> {
  const rows = await sql<StakeRow[]>`
    select id, action_id as parent_id, amount::text as amount, currency, approximate, description
    from action_stakes where action_id = any(${ids})
    order by action_id, id
  `;
  return groupByParent(ids, rows);
}

/** A legal instrument as one action invokes it. */
export interface InvokedInstrumentRow {
  parent_id: string;
  note: string;
  instrument: LegalInstrumentRow;
}

/** The legal instruments each action invokes, by name. */
export async function instrumentsOfActions(sql: Queryable, ids: readonly string[]): Promise<InvokedInstrumentRow[][]> {
  const rows = await sql<(LegalInstrumentRow & { link_parent: string; link_note: string })[]>`
    select x.action_id as link_parent, x.note as link_note, ${legalInstrumentColumns(sql)}
    from action_legal_instruments x join legal_instruments l on l.id = x.legal_instrument_id
    where x.action_id = any(${ids})
    order by x.action_id, l.name, l.id
  `;
  return groupByParent(
    ids,
    rows.map(({ link_parent, link_note, ...instrument }) => ({ parent_id: link_parent, note: link_note, instrument })),
  );
}

/** The policy topics of each action, by name. */
export async function topicsOfActions(sql: Queryable, ids: readonly string[]): Promise<PolicyTopicRow[][]> {
  const rows = await sql<(PolicyTopicRow & { parent_id: string })[]>`
    select t.id, t.slug, t.name, t.description, t.created_at, t.updated_at, x.action_id as parent_id
    from action_topics x join policy_topics t on t.id = x.topic_id
    where x.action_id = any(${ids})
    order by x.action_id, t.name, t.id
  `;
  return groupByParent(ids, rows);
}

/** The unretracted actions citing each incident, most recent first, grouped per incident id. */
export async function actionsCitingIncidents(sql: Queryable, incidentIds: readonly string[]): Promise<ActionRow[][]> {
  const rows = await sql<(ActionRow & { parent_id: string })[]>`
    select ${columns(sql)}, x.incident_id as parent_id
    from action_incidents x join actions ac on ac.id = x.action_id
    where x.incident_id = any(${incidentIds}) and ac.retracted_at is null
    order by x.incident_id, ac.occurred_sort desc, ac.id desc
  `;
  return groupByParent(incidentIds, rows);
}
