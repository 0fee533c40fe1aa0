import type { Fragment } from 'postgres';
import type { Queryable } from '../db/index.js';
import { actorColumns, type ActorKind, type ActorRow } from './actors.js';
import { aiSystemColumns, type AiSystemRow } from './ai-systems.js';
import { groupByParent, keyset, pageLimit, type Direction, type PageRequest, type SortKey, type SortKeyType } from './pagination.js';
import { searchQuery } from './text-search.js';

export const INCIDENT_STATUSES = ['reported', 'confirmed', 'disputed', 'disrupted', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A severity's rank, as the incidents.severity_rank column stores it: 1 for low up to 4 for critical. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity) + 1;
}
export const DATE_PRECISIONS = ['day', 'month', 'year', 'unknown'] as const;
export const INCIDENT_KINDS = ['incident', 'exercise'] as const;
/** A real incident, or an exercise (a red-team exercise or research demonstration) that shows an attack works. */
export type IncidentKind = (typeof INCIDENT_KINDS)[number];
/** The outside datasets an importer creates records from (the `imported_from` columns). */
export const IMPORT_SOURCES = ['mitre_atlas'] as const;
export type ImportSource = (typeof IMPORT_SOURCES)[number];
export type DatePrecision = (typeof DATE_PRECISIONS)[number];
export const INCIDENT_ACTOR_ROLES = ['attacker', 'victim', 'developer', 'deployer', 'researcher', 'responder'] as const;
export type IncidentActorRole = (typeof INCIDENT_ACTOR_ROLES)[number];
export const AI_SYSTEM_ROLES = ['primary_tool', 'supplementary_tool', 'tool', 'safeguard', 'target'] as const;
export type AiSystemRole = (typeof AI_SYSTEM_ROLES)[number];

/** An `incidents` row as the API reads it. */
export interface IncidentRow {
  id: string;
  slug: string;
  title: string;
  summary: string;
  status: IncidentStatus;
  kind: IncidentKind;
  /** The outside dataset an importer created it from; null when an editor did. */
  imported_from: ImportSource | null;
  /** Faultline's own assessment; null when nobody has assessed it. */
  severity: Severity | null;
  occurred_start: string | null;
  occurred_end: string | null;
  occurred_precision: DatePrecision;
  disclosed_on: string | null;
  disclosed_precision: DatePrecision;
  countries: string[];
  sectors: string[];
  records_affected: string | null;
  records_affected_approximate: boolean;
  bytes_affected: string | null;
  bytes_affected_approximate: boolean;
  data_categories: string[];
  version: number;
  merged_into_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Keyset sort key (as text) attached to rows read for a page. */
export type Sorted<T> = T & { sort_key: string };

export interface IncidentFilter {
  statuses?: IncidentStatus[] | undefined;
  kinds?: IncidentKind[] | undefined;
  severityAtLeast?: Severity | undefined;
  country?: string | undefined;
  sector?: string | undefined;
  aiSystemId?: string | undefined;
  /** Only that system; by default its versions (ai_systems.parent_id, at any depth) match too. */
  aiSystemExact?: boolean | undefined;
  actorId?: string | undefined;
  actorRole?: IncidentActorRole | undefined;
  /** The kind of the actor in `actorRole` (or of `actor`): all three hold for one actor link. */
  actorKind?: ActorKind | undefined;
  techniqueId?: string | undefined;
  /** Only that ATLAS id; by default a technique's sub-techniques match too. */
  techniqueExact?: boolean | undefined;
  /** A UN M49 region code: incidents affecting any country in it. */
  regionCode?: string | undefined;
  occurredFrom?: string | undefined;
  occurredTo?: string | undefined;
  /** Full-text search (web-search syntax) over title, summary, sectors and data categories. */
  search?: string | undefined;
}

export const INCIDENT_ORDER_FIELDS = ['occurred', 'disclosed', 'severity', 'updated'] as const;
export type IncidentOrderField = (typeof INCIDENT_ORDER_FIELDS)[number];

// Every order's key is never null, so (key, id) row comparisons page without special cases: an unknown
// date sorts as the oldest (-infinity), last when newest first and first when oldest first.
export const INCIDENT_ORDER_KEYS: Record<IncidentOrderField, { column: string; type: SortKeyType }> = {
  occurred: { column: 'occurred_sort', type: 'date' },
  disclosed: { column: 'disclosed_sort', type: 'date' },
  severity: { column: 'severity_rank', type: 'smallint' },
  updated: { column: 'updated_at', type: 'timestamptz' },
};

/** The keyset sort key of an incident order, over `incidents i`. */
export function incidentOrderKey(sql: Queryable, field: IncidentOrderField): SortKey {
  const { column, type } = INCIDENT_ORDER_KEYS[field];
  return { column: sql`i.${sql(column)}`, type };
}

/** The columns of an IncidentRow besides its id. */
export const INCIDENT_COLUMNS = [
  'slug', 'title', 'summary', 'status', 'severity', 'occurred_start', 'occurred_end', 'occurred_precision', 'disclosed_on',
  'disclosed_precision', 'countries', 'sectors', 'records_affected', 'records_affected_approximate', 'bytes_affected',
  'bytes_affected_approximate', 'data_categories', 'version', 'merged_into_id', 'created_at', 'updated_at',
] as const satisfies readonly Exclude<keyof IncidentRow, 'id'>[];
export type IncidentColumn = (typeof INCIDENT_COLUMNS)[number];

const columns = (sql: Queryable) => sql`
  i.id, i.slug, i.title, i.summary, i.status, i.kind, i.imported_from, i.severity, i.occurred_start, i.occurred_end,
  i.occurred_precision, i.disclosed_on, i.disclosed_precision, i.countries, i.sectors,
  i.records_affected, i.records_affected_approximate, i.bytes_affected, i.bytes_affected_approximate,
  i.data_categories, i.version, i.merged_into_id,
  i.created_at, i.updated_at
`;

/**
 * An incident as JSON in the shape of `incidentsByIds`' rows (int8 as text), given an expression for its id:
 * what events store as the record they announced. The incident itself, not the one it may be merged into.
 */
export const incidentSnapshotSql = (sql: Queryable, id: Fragment): Fragment => sql`
  (select to_jsonb(s) || jsonb_build_object('id', s.id::text, 'records_affected', s.records_affected::text,
     'bytes_affected', s.bytes_affected::text, 'merged_into_id', s.merged_into_id::text)
   from (select ${columns(sql)} from incidents i where i.id = ${id}) s)
`;

// The last day an incident may have run: a month- or year-precision end is stored as the first day of its
// period, so "2025-12 to 2026-01" overlaps 2026-01-15.
const occurredUntil = (sql: Queryable) => sql`
  (coalesce(i.occurred_end, i.occurred_start) + case i.occurred_precision
    when 'month' then interval '1 month' - interval '1 day'
    when 'year' then interval '1 year' - interval '1 day'
    else interval '0 days' end)::date
`;

/**
 * The ids of an AI system and of its versions at any depth (Claude -> Claude Opus 4.6). `union` stops on a
 * cycle of parents, should one ever be written.
 */
const aiSystemFamily = (sql: Queryable, id: string) => sql`
  with recursive family (id) as (
    select ${id}::bigint
    union
    select s.id from ai_systems s join family f on s.parent_id = f.id
  )
  select id from family
`;

/** The `and ...` conditions of an incident filter over `incidents i`, shared by lists, counts and facets. */
export function filterClause(sql: Queryable, filter: IncidentFilter) {
  const atLeast = filter.severityAtLeast ? severityRank(filter.severityAtLeast) : undefined;
  return sql`
    ${filter.statuses?.length ? sql`and i.status = any(${filter.statuses})` : sql``}
    ${filter.kinds?.length ? sql`and i.kind = any(${filter.kinds})` : sql``}
    ${atLeast ? sql`and i.severity_rank >= ${atLeast}` : sql``}
    ${filter.country ? sql`and i.countries @> array[${filter.country}]::text[]` : sql``}
    ${filter.sector ? sql`and i.sectors @> array[${filter.sector}]::text[]` : sql``}
    ${filter.regionCode ? sql`
      and i.countries && array(select c.country from region_countries c where c.region_code = ${filter.regionCode})` : sql``}
    ${filter.aiSystemId ? sql`
      and exists (
        select 1 from incident_ai_systems s
        where s.incident_id = i.id and s.ai_system_id ${filter.aiSystemExact ? sql`= ${filter.aiSystemId}` : sql`in (${aiSystemFamily(sql, filter.aiSystemId)})`}
      )` : sql``}
    ${filter.actorId || filter.actorRole || filter.actorKind ? sql`
      and exists (
        select 1 from incident_actors a
        ${filter.actorKind ? sql`join actors k on k.id = a.actor_id and k.kind = ${filter.actorKind}` : sql``}
        where a.incident_id = i.id
          ${filter.actorId ? sql`and a.actor_id = ${filter.actorId}` : sql``}
          ${filter.actorRole ? sql`and a.role = ${filter.actorRole}` : sql``}
      )` : sql``}
    ${filter.techniqueId ? sql`
      and exists (
        select 1 from incident_techniques t
        where t.incident_id = i.id and ${filter.techniqueExact ? sql`t.technique_id = ${filter.techniqueId}` : sql`
          t.technique_id in (select x.id from techniques x where x.id = ${filter.techniqueId} or x.parent_id = ${filter.techniqueId})`}
      )` : sql``}
    ${filter.occurredFrom ? sql`and ${occurredUntil(sql)} >= ${filter.occurredFrom}` : sql``}
    ${filter.occurredTo ? sql`and i.occurred_start <= ${filter.occurredTo}` : sql``}
    ${filter.search ? sql`and i.search_vector @@ ${searchQuery(sql, filter.search)}` : sql``}
  `;
}

/** The nested lists a page of incidents may read in its own statement (what the query selects). */
export interface IncidentListWith {
  actors?: boolean | undefined;
  aiSystems?: boolean | undefined;
  /**
   * Only these columns besides the id (default: all): for a page whose query reads no others. The rows then
   * lack the rest, so the caller must know every reader of the rows.
   */
  columns?: readonly IncidentColumn[] | undefined;
  /** Only these columns of each linked actor besides its id (default: all); the same caveat. */
  actorColumns?: readonly LinkedActorColumn[] | undefined;
  /** Only these columns of each linked AI system besides its id (default: all); the same caveat. */
  aiSystemColumns?: readonly LinkedAiSystemColumn[] | undefined;
}

/**
 * A page row with the nested lists read with it, when asked: exactly what actorsOfIncidents and
 * aiSystemsOfIncidents return for that incident (same rows, same order).
 */
export interface IncidentPrefetched {
  linked_actors?: IncidentActorRow[];
  linked_ai_systems?: IncidentAiSystemRow[];
}
export type IncidentPageRow = Sorted<IncidentRow> & IncidentPrefetched;

// Link orders, shared by the batched loaders and the page's nested lists so both give the same order.
// The ranks are the roles' declared order (INCIDENT_ACTOR_ROLES, AI_SYSTEM_ROLES), so a role added there (as
// `target` was, migration 025) is ranked here too rather than sorted after every other as an unknown.
/** An actor link's rank by role (`l` is the link), for ORDER BY. */
export const actorRoleRank = (sql: Queryable) => sql`array_position(${[...INCIDENT_ACTOR_ROLES]}::text[], l.role)`;
/** An AI system link's rank by role (`l` is the link), for ORDER BY. */
export const aiSystemRoleRank = (sql: Queryable) => sql`array_position(${[...AI_SYSTEM_ROLES]}::text[], l.role)`;

// A timestamp as epoch milliseconds in JSON: new Date(number) is what postgres.js's own parse gives (JS
// keeps milliseconds), without parsing text.
const epochMs = (sql: Queryable, column: Fragment) => sql`floor(extract(epoch from ${column}) * 1000)`;

/** The columns of an ActorRow besides its id, as the page's nested lists may select them. */
export const LINKED_ACTOR_COLUMNS = [
  'slug', 'name', 'kind', 'country', 'aliases', 'description', 'affiliation_id', 'role_title', 'created_at', 'updated_at',
] as const satisfies readonly Exclude<keyof ActorRow, 'id'>[];
export type LinkedActorColumn = (typeof LINKED_ACTOR_COLUMNS)[number];
/** The columns of an AiSystemRow besides its id, as the page's nested lists may select them. */
export const LINKED_AI_SYSTEM_COLUMNS = [
  'slug', 'name', 'kind', 'developer_id', 'parent_id', 'description', 'created_at', 'updated_at',
] as const satisfies readonly Exclude<keyof AiSystemRow, 'id'>[];
export type LinkedAiSystemColumn = (typeof LINKED_AI_SYSTEM_COLUMNS)[number];

// A column of the joined row as a `, 'key', value` pair of json_build_object: ids as text (int8 stays a
// string, as postgres.js gives it), timestamps as epoch ms.
function jsonPair(sql: Queryable, alias: 'a' | 's', column: string): Fragment {
  const value = sql`${sql(alias)}.${sql(column)}`;
  if (column.endsWith('_id')) return sql`, ${column}::text, ${value}::text`;
  if (column.endsWith('_at')) return sql`, ${column}::text, ${epochMs(sql, value)}`;
  return sql`, ${column}::text, ${value}`;
}
function jsonPairs(sql: Queryable, alias: 'a' | 's', wanted: readonly string[] | undefined, all: readonly string[]): Fragment {
  const columns = (wanted ?? all).filter((column) => all.includes(column));
  return columns.length ? sql`${columns.map((column) => jsonPair(sql, alias, column))}` : sql``;
}

// The nested lists as one JSON column each (PostgreSQL builds them; postgres.js parses each with one
// JSON.parse), in the shape of IncidentActorRow / IncidentAiSystemRow with timestamps as epoch ms, and of
// the joined row only the columns asked for.
const linkedActorsJson = (sql: Queryable, wanted: readonly LinkedActorColumn[] | undefined) => sql`
  (select coalesce(json_agg(json_build_object(
      'actor_id', a.id::text, 'role', l.role, 'note', l.note,
      'actor', json_build_object('id', a.id::text ${jsonPairs(sql, 'a', wanted, LINKED_ACTOR_COLUMNS)}))
    order by ${actorRoleRank(sql)}, l.actor_id), '[]')
   from incident_actors l join actors a on a.id = l.actor_id
   where l.incident_id = i.id)
`;
const linkedAiSystemsJson = (sql: Queryable, wanted: readonly LinkedAiSystemColumn[] | undefined) => sql`
  (select coalesce(json_agg(json_build_object(
      'ai_system_id', s.id::text, 'role', l.role, 'usage', l.usage,
      'aiSystem', json_build_object('id', s.id::text ${jsonPairs(sql, 's', wanted, LINKED_AI_SYSTEM_COLUMNS)}))
    order by ${aiSystemRoleRank(sql)}, l.ai_system_id), '[]')
   from incident_ai_systems l join ai_systems s on s.id = l.ai_system_id
   where l.incident_id = i.id)
`;

type JsonDated<T> = Omit<T, 'created_at' | 'updated_at'> & { created_at: number | Date; updated_at: number | Date };

/** Turns a JSON row's epoch-millisecond timestamps into Dates, in place (the row is the statement's own). */
function dated<T>(row: JsonDated<T>): T {
  if (row.created_at !== undefined) row.created_at = new Date(row.created_at);
  if (row.updated_at !== undefined) row.updated_at = new Date(row.updated_at);
  return row as T;
}

/**
 * One keyset page of live (unmerged) incidents matching the filter; with `include`, each row also carries
 * its actors and/or AI systems, read in the same statement (one round trip for the page).
 */
export async function listIncidents(
  sql: Queryable,
  filter: IncidentFilter,
  order: { field: IncidentOrderField; direction: Direction },
  page: PageRequest,
  include: IncidentListWith = {},
): Promise<IncidentPageRow[]> {
  const { where, orderBy, sortKey } = keyset(sql, incidentOrderKey(sql, order.field), sql`i.id`, order.direction, page);
  // `incidents i` is the statement's only table, so the bare column names are its.
  const narrow = include.columns?.filter((column) => INCIDENT_COLUMNS.includes(column));
  const selected = !narrow ? columns(sql) : narrow.length ? sql`i.id, ${sql(narrow)}` : sql`i.id`;
  const rows = await sql<IncidentPageRow[]>`
    select ${selected}, ${sortKey} as sort_key
      ${include.actors ? sql`, ${linkedActorsJson(sql, include.actorColumns)} as linked_actors` : sql``}
      ${include.aiSystems ? sql`, ${linkedAiSystemsJson(sql, include.aiSystemColumns)} as linked_ai_systems` : sql``}
    from incidents i
    where i.merged_into_id is null
      ${filterClause(sql, filter)}
      ${where}
    order by ${orderBy}
    limit ${pageLimit(sql, page)}
  `;
  // The JSON lists lack what the loaders' rows have besides: the parent id, and Dates. Completed in place,
  // the rows being this statement's own: a page is on the hot path.
  for (const row of rows) {
    for (const link of row.linked_actors ?? []) {
      link.parent_id = row.id;
      dated<ActorRow>(link.actor);
    }
    for (const link of row.linked_ai_systems ?? []) {
      link.parent_id = row.id;
      dated<AiSystemRow>(link.aiSystem);
    }
  }
  return rows;
}

/** How many live incidents match the filter. */
export async function countIncidents(sql: Queryable, filter: IncidentFilter): Promise<number> {
  const [row] = await sql<{ count: number }[]>`
    select count(*)::int as count
    from incidents i
    where i.merged_into_id is null
      ${filterClause(sql, filter)}
  `;
  return row?.count ?? 0;
}

/**
 * Incidents by id, in the order asked, null where missing. A merged duplicate's id yields the incident it
 * was merged into, so links to a duplicate keep working after a merge.
 */
export async function incidentsByIds(sql: Queryable, ids: readonly string[]): Promise<(IncidentRow | null)[]> {
  const rows = await sql<(IncidentRow & { start_id: string })[]>`
    with recursive chain as (
      select id as start_id, id, merged_into_id, 0 as depth from incidents where id = any(${ids})
      union all
      select c.start_id, i.id, i.merged_into_id, c.depth + 1
      from incidents i join chain c on i.id = c.merged_into_id
      where c.depth < 32
    )
    select ${columns(sql)}, c.start_id
    from chain c join incidents i on i.id = c.id
    where c.merged_into_id is null
  `;
  const byStart = new Map(rows.map((row) => [row.start_id, row]));
  return ids.map((id) => {
    const row = byStart.get(id);
    if (!row) return null;
    const { start_id: _start, ...incident } = row;
    return incident;
  });
}

/**
 * The incident with this slug; a merged duplicate resolves to the incident it was merged into, following
 * the chain when merges were themselves merged.
 */
export async function incidentBySlug(sql: Queryable, slug: string): Promise<IncidentRow | null> {
  const [row] = await sql<IncidentRow[]>`
    with recursive chain as (
      select id, merged_into_id, 0 as depth from incidents where slug = ${slug}
      union all
      select i.id, i.merged_into_id, c.depth + 1
      from incidents i join chain c on i.id = c.merged_into_id
      where c.depth < 32
    )
    select ${columns(sql)}
    from chain c join incidents i on i.id = c.id
    where c.merged_into_id is null
  `;
  return row ?? null;
}

export interface IncidentActorRow {
  parent_id: string;
  actor_id: string;
  role: IncidentActorRole;
  note: string;
  /** The actor itself, read in the same statement so resolving it costs no second query. */
  actor: ActorRow;
}

/** The actors of each incident with their roles, grouped per incident id. */
export async function actorsOfIncidents(sql: Queryable, ids: readonly string[]): Promise<IncidentActorRow[][]> {
  const rows = await sql<(ActorRow & { parent_id: string; link_role: IncidentActorRole; link_note: string })[]>`
    select l.incident_id as parent_id, l.role as link_role, l.note as link_note, ${actorColumns(sql)}
    from incident_actors l join actors a on a.id = l.actor_id
    where l.incident_id = any(${ids})
    order by l.incident_id, ${actorRoleRank(sql)}, l.actor_id
  `;
  return groupByParent(
    ids,
    rows.map(({ parent_id, link_role, link_note, ...actor }) => ({ parent_id, actor_id: actor.id, role: link_role, note: link_note, actor })),
  );
}

export interface IncidentAiSystemRow {
  parent_id: string;
  ai_system_id: string;
  role: AiSystemRole;
  usage: string;
  /** The system itself, read in the same statement. */
  aiSystem: AiSystemRow;
}

/** The AI systems of each incident with their role and usage, grouped per incident id. */
export async function aiSystemsOfIncidents(sql: Queryable, ids: readonly string[]): Promise<IncidentAiSystemRow[][]> {
  const rows = await sql<(AiSystemRow & { link_parent: string; link_role: AiSystemRole; link_usage: string })[]>`
    select l.incident_id as link_parent, l.role as link_role, l.usage as link_usage, ${aiSystemColumns(sql)}
    from incident_ai_systems l join ai_systems s on s.id = l.ai_system_id
    where l.incident_id = any(${ids})
    order by l.incident_id, ${aiSystemRoleRank(sql)}, l.ai_system_id
  `;
  return groupByParent(
    ids,
    rows.map(({ link_parent, link_role, link_usage, ...aiSystem }) => ({
      parent_id: link_parent,
      ai_system_id: aiSystem.id,
      role: link_role,
      usage: link_usage,
      aiSystem,
    })),
  );
}

/** The ATLAS technique ids of each incident. */
export async function techniqueIdsOfIncidents(sql: Queryable, ids: readonly string[]): Promise<string[][]> {
  const rows = await sql<{ parent_id: string; technique_id: string }[]>`
    select incident_id as parent_id, technique_id
    from incident_techniques
    where incident_id = any(${ids})
    order by incident_id, technique_id
  `;
  return groupByParent(ids, rows).map((group) => group.map((row) => row.technique_id));
}

export interface IncidentLinkFilter {
  role?: IncidentActorRole | undefined;
}

/**
 * One page of incidents for each actor (optionally in one role), batched over actors with a window
 * function so the statement count does not grow with the number of actors.
 */
export async function incidentsOfActors(
  sql: Queryable,
  actorIds: readonly string[],
  filter: IncidentLinkFilter,
  page: PageRequest,
): Promise<Sorted<IncidentRow & { parent_id: string }>[][]> {
  const { where, orderBy, sortKey } = keyset(sql, incidentOrderKey(sql, 'occurred'), sql`i.id`, 'desc', page);
  const rows = await sql<Sorted<IncidentRow & { parent_id: string }>[]>`
    select * from (
      select ${columns(sql)}, ${sortKey} as sort_key, l.actor_id as parent_id,
        row_number() over (partition by l.actor_id order by ${orderBy}) as position
      from (
        select distinct incident_id, actor_id from incident_actors
        where actor_id = any(${actorIds}) ${filter.role ? sql`and role = ${filter.role}` : sql``}
      ) l
      join incidents i on i.id = l.incident_id
      where i.merged_into_id is null ${where}
    ) ranked
    where position <= ${pageLimit(sql, page)}
    order by parent_id, position
  `;
  return groupByParent(actorIds, rows);
}

/** How many live incidents each actor appears in (optionally in one role). */
export async function countIncidentsOfActors(
  sql: Queryable,
  actorIds: readonly string[],
  filter: IncidentLinkFilter,
): Promise<number[]> {
  const rows = await sql<{ parent_id: string; count: number }[]>`
    select l.actor_id as parent_id, count(distinct l.incident_id)::int as count
    from incident_actors l join incidents i on i.id = l.incident_id
    where l.actor_id = any(${actorIds}) and i.merged_into_id is null
      ${filter.role ? sql`and l.role = ${filter.role}` : sql``}
    group by l.actor_id
  `;
  const counts = new Map(rows.map((row) => [row.parent_id, row.count]));
  return actorIds.map((id) => counts.get(id) ?? 0);
}

/**
 * Each of these AI systems (as `root`) with the systems whose incidents count as its own: itself and, unless
 * `exact`, its versions at any depth, as the incidents filter rolls them up. One statement for all of them.
 */
const systemFamilies = (sql: Queryable, systemIds: readonly string[], exact: boolean) => exact
  ? sql`select root, root as id from unnest(${systemIds as string[]}::bigint[]) as root`
  : sql`
    with recursive family (root, id) as (
      select root, root from unnest(${systemIds as string[]}::bigint[]) as root
      union
      select f.root, s.id from ai_systems s join family f on s.parent_id = f.id
    )
    select root, id from family`;

/**
 * One page of incidents for each AI system, batched like incidentsOfActors: incidents on its versions too
 * unless `exact`.
 */
export async function incidentsOfAiSystems(
  sql: Queryable,
  systemIds: readonly string[],
  page: PageRequest,
  exact = false,
): Promise<Sorted<IncidentRow & { parent_id: string }>[][]> {
  const { where, orderBy, sortKey } = keyset(sql, incidentOrderKey(sql, 'occurred'), sql`i.id`, 'desc', page);
  const rows = await sql<Sorted<IncidentRow & { parent_id: string }>[]>`
    select * from (
      select ${columns(sql)}, ${sortKey} as sort_key, l.ai_system_id as parent_id,
        row_number() over (partition by l.ai_system_id order by ${orderBy}) as position
      from (
        select distinct s.incident_id, f.root as ai_system_id
        from (${systemFamilies(sql, systemIds, exact)}) f join incident_ai_systems s on s.ai_system_id = f.id
      ) l
      join incidents i on i.id = l.incident_id
      where i.merged_into_id is null ${where}
    ) ranked
    where position <= ${pageLimit(sql, page)}
    order by parent_id, position
  `;
  return groupByParent(systemIds, rows);
}

/** How many live incidents each AI system (with its versions unless `exact`) appears in. */
export async function countIncidentsOfAiSystems(sql: Queryable, systemIds: readonly string[], exact = false): Promise<number[]> {
  const rows = await sql<{ parent_id: string; count: number }[]>`
    select f.root::text as parent_id, count(distinct l.incident_id)::int as count
    from (${systemFamilies(sql, systemIds, exact)}) f
    join incident_ai_systems l on l.ai_system_id = f.id
    join incidents i on i.id = l.incident_id
    where i.merged_into_id is null
    group by f.root
  `;
  const counts = new Map(rows.map((row) => [row.parent_id, row.count]));
  return systemIds.map((id) => counts.get(id) ?? 0);
}

/** The incidents each report documents (live ones, merged duplicates resolved), grouped per report id. */
export async function incidentsOfReports(sql: Queryable, reportIds: readonly string[]): Promise<IncidentRow[][]> {
  const rows = await sql<(IncidentRow & { parent_id: string })[]>`
    select ${columns(sql)}, l.report_id as parent_id
    from incident_reports l join incidents i on i.id = l.incident_id
    where l.report_id = any(${reportIds}) and i.merged_into_id is null
    order by l.report_id, i.occurred_sort desc, i.id desc
  `;
  return groupByParent(reportIds, rows);
}

/** The incidents each policy position or action cites, grouped per position or action id. */
export async function incidentsCitedBy(sql: Queryable, by: 'position' | 'action', ids: readonly string[]): Promise<IncidentRow[][]> {
  const link = by === 'position'
    ? sql`select position_id as parent_id, incident_id from policy_position_incidents where position_id = any(${ids})`
    : sql`select action_id as parent_id, incident_id from action_incidents where action_id = any(${ids})`;
  const rows = await sql<(IncidentRow & { parent_id: string })[]>`
    select ${columns(sql)}, l.parent_id
    from (${link}) l join incidents i on i.id = l.incident_id
    order by l.parent_id, i.occurred_sort desc, i.id desc
  `;
  return groupByParent(ids, rows);
}
