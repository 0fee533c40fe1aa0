import type { Fragment } from 'postgres';
import type { Queryable } from '../db/index.js';
import type { DatePrecision } from './incidents.js';
import { literalLimit, pageLimit, sortKeyText, type PageRequest } from './pagination.js';
import { HIGHLIGHT_OPTIONS, highlightHtml, searchQuery } from './text-search.js';

export const SEARCH_TYPES = ['incident', 'report', 'policy_position', 'action', 'actor', 'ai_system'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

// Ties on score break on a fixed rank per type, then id: every hit has one place in the order, which the
// cursor names. The numbers only need to be distinct (actions came last: a new number, so older cursors keep their place).
const TYPE_RANK: Record<SearchType, number> = { incident: 5, report: 4, policy_position: 3, action: 6, actor: 2, ai_system: 1 };

/**
 * Matches ranked per type: the most recent this many. Ranking reads every candidate's tsvector, so a common
 * word over 500,000 reports (one in eight of them) costs half a second to rank in full; the newest
 * candidates are found along the date index. 200 keeps a phrase or -exclusion (rechecked row by row) near
 * 50 ms on the synthetic corpus with PostgreSQL's default 128 MB of shared buffers.
 */
export const SEARCH_CANDIDATES = 200;

/** Names within this trigram similarity count as a match for actors and AI systems (pg_trgm's default). */
export const NAME_SIMILARITY = 0.3;

/** One search hit: what it is, how well it matched, and a highlighted snippet (safe HTML). */
export interface SearchHitRow {
  type: SearchType;
  id: string;
  score: number;
  snippet: string | null;
  /** `score:rank`, the cursor's sort key. */
  sort_key: string;
}

/** The sort key of a search cursor, checked: a real number and a type rank. */
export function parseSearchKey(key: string): { score: string; rank: number } | null {
  const match = /^(-?[0-9.e+-]+|NaN):([1-6])$/.exec(key);
  if (!match || !Number.isFinite(Number(match[1]))) return null;
  return { score: match[1]!, rank: Number(match[2]) };
}

function branches(sql: Queryable, text: string, types: readonly SearchType[]): Fragment[] {
  const query = searchQuery(sql, text);
  const plain = sql`f_unaccent(${text})`;
  const parts: Fragment[] = [];
  if (types.includes('incident')) {
    parts.push(sql`
      select 'incident' as type, ${TYPE_RANK.incident}::int as rank, c.id, ts_rank(c.search_vector, ${query}) as score
      from (
        select i.id, i.search_vector from incidents i
        where i.merged_into_id is null and i.search_vector @@ ${query}
        order by i.occurred_sort desc, i.id desc ${literalLimit(sql, SEARCH_CANDIDATES)}
      ) c
    `);
  }
  if (types.includes('report')) {
    parts.push(sql`
      select 'report' as type, ${TYPE_RANK.report}::int as rank, c.id, ts_rank(c.search_vector, ${query}) as score
      from (
        select r.id, r.search_vector from reports r
        where r.search_vector @@ ${query}
        order by r.published_sort desc, r.id desc ${literalLimit(sql, SEARCH_CANDIDATES)}
      ) c
    `);
  }
  if (types.includes('policy_position')) {
    parts.push(sql`
      select 'policy_position' as type, ${TYPE_RANK.policy_position}::int as rank, c.id, ts_rank(c.search_vector, ${query}) as score
      from (
        select p.id, p.search_vector from policy_positions p
        where p.search_vector @@ ${query} and p.retracted_at is null
        order by p.stated_sort desc, p.id desc ${literalLimit(sql, SEARCH_CANDIDATES)}
      ) c
    `);
  }
  if (types.includes('action')) {
    parts.push(sql`
      select 'action' as type, ${TYPE_RANK.action}::int as rank, c.id, ts_rank(c.search_vector, ${query}) as score
      from (
        select ac.id, ac.search_vector from actions ac
        where ac.search_vector @@ ${query} and ac.retracted_at is null
        order by ac.occurred_sort desc, ac.id desc ${literalLimit(sql, SEARCH_CANDIDATES)}
      ) c
    `);
  }
  // Names are matched approximately as well, so a misspelt "Antropic" still finds Anthropic; the
  // similarity (0-1) competes with ts_rank, whose values for a name match in weight A are similar.
  if (types.includes('actor')) {
    parts.push(sql`
      select 'actor' as type, ${TYPE_RANK.actor}::int as rank, a.id,
        greatest(ts_rank(a.search_vector, ${query}), similarity(f_unaccent(a.name), ${plain})) as score
      from actors a
      where a.search_vector @@ ${query}
        or (f_unaccent(a.name) % ${plain} and similarity(f_unaccent(a.name), ${plain}) >= ${NAME_SIMILARITY})
    `);
  }
  if (types.includes('ai_system')) {
    parts.push(sql`
      select 'ai_system' as type, ${TYPE_RANK.ai_system}::int as rank, s.id, similarity(f_unaccent(s.name), ${plain}) as score
      from ai_systems s
      where f_unaccent(s.name) % ${plain} and similarity(f_unaccent(s.name), ${plain}) >= ${NAME_SIMILARITY}
    `);
  }
  return parts;
}

/**
 * One page of search hits over the given types, best first (score, then type, then id, all descending),
 * with a highlighted snippet for each hit on the page. Incidents, reports, positions and actions: the newest
 * SEARCH_CANDIDATES matches of each are ranked.
 */
export async function searchAll(
  sql: Queryable,
  text: string,
  types: readonly SearchType[],
  page: PageRequest,
): Promise<SearchHitRow[]> {
  const parts = branches(sql, text, types);
  if (parts.length === 0) return [];
  const union = parts.reduce((all, part) => sql`${all} union all ${part}`);
  const bound = (cursor: PageRequest['after'], op: Fragment) => {
    const key = cursor ? parseSearchKey(cursor.key) : null;
    return key && cursor ? sql`and (h.score, h.rank, h.id) ${op} (${key.score}::real, ${key.rank}::int, ${cursor.id}::bigint)` : sql``;
  };
  const order = page.inverted ? sql`asc` : sql`desc`;
  const query = searchQuery(sql, text);
  const rows = await sql<{ type: SearchType; id: string; score: number; score_text: string; rank: number; headline: string | null }[]>`
    select h.type, h.id, h.score, h.score::text as score_text, h.rank,
      case h.type
        when 'incident' then (
          select ts_headline('faultline_english', i.title || '. ' || i.summary, ${query}, ${HIGHLIGHT_OPTIONS})
          from incidents i where i.id = h.id)
        when 'report' then (
          select ts_headline(
            case r.language when 'es' then 'faultline_spanish'::regconfig else 'faultline_english'::regconfig end,
            coalesce(r.title || '. ', '') || r.summary, ${query}, ${HIGHLIGHT_OPTIONS})
          from reports r where r.id = h.id)
        when 'policy_position' then (
          select ts_headline('faultline_english', p.summary || coalesce(' "' || p.quote || '"', ''), ${query}, ${HIGHLIGHT_OPTIONS})
          from policy_positions p where p.id = h.id)
        when 'action' then (
          select ts_headline('faultline_english',
            ac.summary || coalesce('. ' || ac.threatened_consequence, '') || coalesce('. ' || ac.deadline_text, ''), ${query}, ${HIGHLIGHT_OPTIONS})
          from actions ac where ac.id = h.id)
        when 'actor' then (
          select ts_headline('faultline_english', a.name || '. ' || a.description, ${query}, ${HIGHLIGHT_OPTIONS})
          from actors a where a.id = h.id)
        else null
      end as headline
    from (${union}) h
    where true ${bound(page.after, sql`<`)} ${bound(page.before, sql`>`)}
    order by h.score ${order}, h.rank ${order}, h.id ${order}
    limit ${pageLimit(sql, page)}
  `;
  return rows.map((row) => ({
    type: row.type,
    id: row.id,
    score: row.score,
    snippet: row.headline === null ? null : highlightHtml(row.headline),
    sort_key: `${row.score_text}:${row.rank}`,
  }));
}

/** How many hits the search can return over the given types (at most SEARCH_CANDIDATES per ranked type). */
export async function countSearch(sql: Queryable, text: string, types: readonly SearchType[]): Promise<number> {
  const parts = branches(sql, text, types);
  if (parts.length === 0) return 0;
  const union = parts.reduce((all, part) => sql`${all} union all ${part}`);
  const [row] = await sql<{ count: number }[]>`select count(*)::int as count from (${union}) h`;
  return row?.count ?? 0;
}

// ---- Timeline -----------------------------------------------------------------------------------------

export const TIMELINE_TYPES = ['incident', 'report', 'policy_position', 'action', 'deadline'] as const;
export type TimelineType = (typeof TIMELINE_TYPES)[number];

// Same-date, same-precision items order by type, then id. Text, so the whole key compares as a row. A
// deadline follows the actions of its date: one known only in words sits at the action that set it.
const TIMELINE_TYPE_ORDER: Record<TimelineType, string> = { incident: 'a', report: 'b', policy_position: 'c', action: 'd', deadline: 'e' };

export interface TimelineFilter {
  types?: readonly TimelineType[] | undefined;
  from?: string | undefined;
  to?: string | undefined;
  search?: string | undefined;
  actorId?: string | undefined;
}

export const TIMELINE_BASES = ['occurred', 'disclosed', 'published', 'stated', 'deadline', 'set_by_action'] as const;
/** Which of its dates places an entry on the timeline. */
export type TimelineBasis = (typeof TIMELINE_BASES)[number];

// An incident sits where it began; one whose start is unknown sits at its disclosure (and says so).
const INCIDENT_TIMELINE_DATE = (sql: Queryable) => sql`incident_timeline_date(i.occurred_start, i.disclosed_on)`;

/**
 * One timeline entry: an incident (at its occurrence, or its disclosure when that is unknown), a report
 * (publication), a position (statement), an action (when it was taken) or an action's deadline (its date,
 * or, known only in words, the action's date); `id` is the record's (for a deadline, the action's).
 */
export interface TimelineRow {
  type: TimelineType;
  id: string;
  /** Where it sits (see `basis`). */
  date: string | null;
  precision: DatePrecision;
  /** Which date `date` is. */
  basis: TimelineBasis;
  /** `date|precision|type`, the cursor's sort key. */
  sort_key: string;
}

/** The sort key of a timeline cursor, checked. */
export function parseTimelineKey(key: string): { date: string; precision: string; type: TimelineType } | null {
  const match = /^(-infinity|\d{4,5}-\d{2}-\d{2})\|(day|month|year|unknown)\|(incident|report|policy_position|action|deadline)$/.exec(key);
  return match ? { date: match[1]!, precision: match[2]!, type: match[3] as TimelineType } : null;
}

/**
 * The keyset bound for one branch of the timeline. The whole key is (date, precision, type, id) but each
 * branch has a single type, so the condition folds to a row comparison over (date, precision, id) that
 * the branch's (date, precision, id) index serves.
 */
function branchBound(
  sql: Queryable,
  type: TimelineType,
  columns: { date: Fragment; precision: Fragment; id: Fragment },
  cursor: PageRequest['after'],
  later: boolean,
) {
  const key = cursor ? parseTimelineKey(cursor.key) : null;
  if (!key || !cursor) return sql``;
  const { date, precision, id } = columns;
  const mine = TIMELINE_TYPE_ORDER[type];
  const theirs = TIMELINE_TYPE_ORDER[key.type];
  const strict = later ? sql`>` : sql`<`;
  const inclusive = later ? sql`>=` : sql`<=`;
  if (mine === theirs) return sql`and (${date}, ${precision}, ${id}) ${strict} (${key.date}::date, ${key.precision}::text, ${cursor.id}::bigint)`;
  // A type after the cursor's (in the direction asked) may share its date and precision; one before may not.
  const typeAfter = later ? mine > theirs : mine < theirs;
  return sql`and (${date}, ${precision}) ${typeAfter ? inclusive : strict} (${key.date}::date, ${key.precision}::text)`;
}

/** The search and actor conditions of the action and deadline branches, over `actions ac`. */
function actionConditions(sql: Queryable, filter: TimelineFilter, query: Fragment | undefined): Fragment {
  return sql`
    ${query ? sql`and ac.search_vector @@ ${query}` : sql``}
    ${filter.actorId ? sql`
      and (ac.actor_id = ${filter.actorId} or ac.speaker_id = ${filter.actorId}
        or exists (select 1 from action_addressees x where x.action_id = ac.id and x.actor_id = ${filter.actorId}))` : sql``}
  `;
}

/** How many entries the timeline holds under `filter` (one count per type). */
export async function countTimeline(sql: Queryable, filter: TimelineFilter): Promise<number> {
  const types = filter.types?.length ? filter.types : TIMELINE_TYPES;
  const query = filter.search ? searchQuery(sql, filter.search) : undefined;
  const range = (date: Fragment) => sql`
    ${filter.from ? sql`and ${date} >= ${filter.from}::date` : sql``}
    ${filter.to ? sql`and ${date} <= ${filter.to}::date` : sql``}
  `;
  const [row] = await sql<{ count: number }[]>`
    select (
      ${types.includes('incident') ? sql`(
        select count(*) from incidents i
        where i.merged_into_id is null
          ${query ? sql`and i.search_vector @@ ${query}` : sql``}
          ${filter.actorId ? sql`and exists (select 1 from incident_actors l where l.incident_id = i.id and l.actor_id = ${filter.actorId})` : sql``}
          ${range(INCIDENT_TIMELINE_DATE(sql))})` : sql`0`}
      + ${types.includes('report') ? sql`(
        select count(*) from reports r
        where true
          ${query ? sql`and r.search_vector @@ ${query}` : sql``}
          ${filter.actorId ? sql`
            and exists (
              select 1 from incident_reports ir join incident_actors l on l.incident_id = ir.incident_id
              where ir.report_id = r.id and l.actor_id = ${filter.actorId}
            )` : sql``}
          ${range(sql`r.published_sort`)})` : sql`0`}
      + ${types.includes('policy_position') ? sql`(
        select count(*) from policy_positions p
        where p.retracted_at is null
          ${query ? sql`and p.search_vector @@ ${query}` : sql``}
          ${filter.actorId ? sql`and (p.actor_id = ${filter.actorId} or p.speaker_id = ${filter.actorId})` : sql``}
          ${range(sql`p.stated_sort`)})` : sql`0`}
      + ${types.includes('action') ? sql`(
        select count(*) from actions ac
        where ac.retracted_at is null ${actionConditions(sql, filter, query)} ${range(sql`ac.occurred_sort`)})` : sql`0`}
      + ${types.includes('deadline') ? sql`(
        select count(*) from actions ac
        where ac.deadline_sort is not null and ac.retracted_at is null ${actionConditions(sql, filter, query)}
          ${range(sql`ac.deadline_sort`)})` : sql`0`}
    )::int as count
  `;
  return row?.count ?? 0;
}

/**
 * One keyset page of the timeline: incidents, reports and policy positions merged by date (the start of
 * the period), then precision (day, month, year), then type, then id; newest first unless `direction` is asc.
 */
export async function listTimeline(
  sql: Queryable,
  filter: TimelineFilter,
  direction: 'asc' | 'desc',
  page: PageRequest,
): Promise<TimelineRow[]> {
  const types = filter.types?.length ? filter.types : TIMELINE_TYPES;
  const effective = page.inverted ? (direction === 'desc' ? 'asc' : 'desc') : direction;
  const order = effective === 'desc' ? sql`desc` : sql`asc`;
  // `after` continues in the requested direction, `before` goes against it.
  const afterLater = direction === 'asc';
  const query = filter.search ? searchQuery(sql, filter.search) : undefined;
  const range = (date: Fragment) => sql`
    ${filter.from ? sql`and ${date} >= ${filter.from}::date` : sql``}
    ${filter.to ? sql`and ${date} <= ${filter.to}::date` : sql``}
  `;
  const bounds = (type: TimelineType, columns: { date: Fragment; precision: Fragment; id: Fragment }) => sql`
    ${branchBound(sql, type, columns, page.after, afterLater)}
    ${branchBound(sql, type, columns, page.before, !afterLater)}
  `;
  const parts: Fragment[] = [];
  if (types.includes('incident')) {
    const columns = {
      date: INCIDENT_TIMELINE_DATE(sql),
      precision: sql`incident_timeline_precision(i.occurred_start, i.occurred_precision, i.disclosed_precision)`,
      id: sql`i.id`,
    };
    parts.push(sql`(
      select 'incident' as type, i.id, ${columns.date} as date, ${columns.precision}::text as precision,
        case when i.occurred_start is null and i.disclosed_on is not null then 'disclosed' else 'occurred' end as basis
      from incidents i
      where i.merged_into_id is null
        ${query ? sql`and i.search_vector @@ ${query}` : sql``}
        ${filter.actorId ? sql`and exists (select 1 from incident_actors l where l.incident_id = i.id and l.actor_id = ${filter.actorId})` : sql``}
        ${range(columns.date)}
        ${bounds('incident', columns)}
      order by ${columns.date} ${order}, ${columns.precision} ${order}, i.id ${order}
      limit ${pageLimit(sql, page)}
    )`);
  }
  if (types.includes('report')) {
    const columns = { date: sql`r.published_sort`, precision: sql`r.published_precision`, id: sql`r.id` };
    parts.push(sql`(
      select 'report' as type, r.id, ${columns.date} as date, ${columns.precision}::text as precision, 'published' as basis
      from reports r
      where true
        ${query ? sql`and r.search_vector @@ ${query}` : sql``}
        ${filter.actorId ? sql`
          and exists (
            select 1 from incident_reports ir join incident_actors l on l.incident_id = ir.incident_id
            where ir.report_id = r.id and l.actor_id = ${filter.actorId}
          )` : sql``}
        ${range(columns.date)}
        ${bounds('report', columns)}
      order by ${columns.date} ${order}, ${columns.precision} ${order}, r.id ${order}
      limit ${pageLimit(sql, page)}
    )`);
  }
  if (types.includes('policy_position')) {
    const columns = { date: sql`p.stated_sort`, precision: sql`p.stated_precision`, id: sql`p.id` };
    parts.push(sql`(
      select 'policy_position' as type, p.id, ${columns.date} as date, ${columns.precision}::text as precision, 'stated' as basis
      from policy_positions p
      where p.retracted_at is null
        ${query ? sql`and p.search_vector @@ ${query}` : sql``}
        ${filter.actorId ? sql`and (p.actor_id = ${filter.actorId} or p.speaker_id = ${filter.actorId})` : sql``}
        ${range(columns.date)}
        ${bounds('policy_position', columns)}
      order by ${columns.date} ${order}, ${columns.precision} ${order}, p.id ${order}
      limit ${pageLimit(sql, page)}
    )`);
  }
  if (types.includes('action')) {
    const columns = { date: sql`ac.occurred_sort`, precision: sql`ac.occurred_precision`, id: sql`ac.id` };
    parts.push(sql`(
      select 'action' as type, ac.id, ${columns.date} as date, ${columns.precision}::text as precision, 'occurred' as basis
      from actions ac
      where ac.retracted_at is null
        ${actionConditions(sql, filter, query)}
        ${range(columns.date)}
        ${bounds('action', columns)}
      order by ${columns.date} ${order}, ${columns.precision} ${order}, ac.id ${order}
      limit ${pageLimit(sql, page)}
    )`);
  }
  if (types.includes('deadline')) {
    const columns = { date: sql`ac.deadline_sort`, precision: sql`ac.deadline_sort_precision`, id: sql`ac.id` };
    parts.push(sql`(
      select 'deadline' as type, ac.id, ${columns.date} as date, ${columns.precision}::text as precision,
        case when ac.deadline_on is null then 'set_by_action' else 'deadline' end as basis
      from actions ac
      where ac.deadline_sort is not null and ac.retracted_at is null
        ${actionConditions(sql, filter, query)}
        ${range(columns.date)}
        ${bounds('deadline', columns)}
      order by ${columns.date} ${order}, ${columns.precision} ${order}, ac.id ${order}
      limit ${pageLimit(sql, page)}
    )`);
  }
  if (parts.length === 0) return [];
  const union = parts.reduce((all, part) => sql`${all} union all ${part}`);
  // Each branch reads at most one page along its own index; the merge sorts at most one page per type.
  const rows = await sql<{ type: TimelineType; id: string; date: string; precision: DatePrecision; basis: TimelineBasis }[]>`
    select t.type, t.id, ${sortKeyText(sql, { column: sql`t.date`, type: 'date' })} as date, t.precision, t.basis
    from (${union}) t
    order by t.date ${order}, t.precision ${order},
      case t.type when 'incident' then 'a' when 'report' then 'b' when 'policy_position' then 'c' when 'action' then 'd' else 'e' end ${order},
      t.id ${order}
    limit ${pageLimit(sql, page)}
  `;
  return rows.map((row) => ({
    type: row.type,
    id: row.id,
    date: row.date === '-infinity' ? null : row.date,
    precision: row.precision,
    basis: row.basis,
    sort_key: `${row.date}|${row.precision}|${row.type}`,
  }));
}
