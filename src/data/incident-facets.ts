import type { Queryable } from '../db/index.js';
import { filterClause, type DatePrecision, type IncidentActorRole, type IncidentFilter } from './incidents.js';

export const FACETS = ['severity', 'status', 'country', 'region', 'sector', 'ai_system', 'actor', 'actor_kind', 'technique', 'month'] as const;
export type Facet = (typeof FACETS)[number];

/**
 * One facet bucket: a value (an enum value, a code, an id, an actor kind or a "YYYY-MM" month), the role for
 * actors and actor kinds, and a count.
 */
export interface FacetBucket {
  facet: Facet;
  value: string;
  role: IncidentActorRole | null;
  count: number;
}

// The filtered incidents are read once (materialized) and every facet counts over them. Each count is
// what the incidents list gives for the same filter plus that one option: links count distinct incidents,
// as the list's exists() conditions do, and they roll up as the filter does by default: an AI system
// counts the incidents of its versions, a technique those of its sub-techniques, a region those of every
// country in it.
const facetQuery = (sql: Queryable, filter: IncidentFilter, top: number) => sql<FacetBucket[]>`
  with f as materialized (
    select i.id, i.severity, i.status, i.countries, i.sectors, i.occurred_start, i.occurred_precision
    from incidents i
    where i.merged_into_id is null
      ${filterClause(sql, filter)}
  ),
  -- Each AI system the matching incidents use, paired with itself and every system it is a version of.
  lineage (id, ancestor_id) as (
    with recursive up (id, ancestor_id) as (
      select distinct l.ai_system_id, l.ai_system_id from f join incident_ai_systems l on l.incident_id = f.id
      union
      select up.id, s.parent_id from up join ai_systems s on s.id = up.ancestor_id where s.parent_id is not null
    )
    select id, ancestor_id from up
  ),
  buckets as (
    select 'severity' as facet, f.severity as value, null::text as role, count(*)::int as count from f group by f.severity
    union all
    select 'status', f.status, null, count(*)::int from f group by f.status
    union all
    select 'country', c, null, count(*)::int from f cross join unnest(f.countries::text[]) c group by c
    union all
    select 'sector', s, null, count(*)::int from f cross join unnest(f.sectors) s group by s
    union all
    select 'region', r.region_code, null, count(distinct f.id)::int
    from f cross join unnest(f.countries::text[]) c join region_countries r on r.country = c group by r.region_code
    union all
    select 'ai_system', x.ancestor_id::text, null, count(distinct l.incident_id)::int
    from f join incident_ai_systems l on l.incident_id = f.id join lineage x on x.id = l.ai_system_id
    group by x.ancestor_id
    union all
    select 'actor', l.actor_id::text, l.role, count(*)::int
    from f join incident_actors l on l.incident_id = f.id group by l.actor_id, l.role
    union all
    select 'actor_kind', a.kind, l.role, count(distinct l.incident_id)::int
    from f join incident_actors l on l.incident_id = f.id join actors a on a.id = l.actor_id group by a.kind, l.role
    union all
    -- A sub-technique counts under itself and under its technique (x.parent_id).
    select 'technique', up.id, null, count(distinct l.incident_id)::int
    from f join incident_techniques l on l.incident_id = f.id join techniques x on x.id = l.technique_id
    cross join lateral (values (x.id), (x.parent_id)) up (id)
    where up.id is not null
    group by up.id
    union all
    -- Only incidents dated at least to the month: a year-precision date has no month to count under.
    select 'month', to_char(f.occurred_start, 'YYYY-MM'), null, count(*)::int
    from f where f.occurred_precision in ('day', 'month') group by 2
  )
  select facet, value, role, count
  from (
    select b.*, row_number() over (partition by b.facet order by b.count desc, b.value, b.role) as position
    from buckets b
  ) ranked
  where position <= ${top} or facet in ('severity', 'status', 'month', 'region', 'actor_kind')
  order by facet, case when facet = 'month' then value end, count desc, value, role
`;

/**
 * Counts of the live incidents matching `filter` by severity, status, country, sector, AI system, actor
 * (with role), technique and month of occurrence; the `top` largest buckets of each open-ended facet.
 */
export async function incidentFacets(sql: Queryable, filter: IncidentFilter, top: number): Promise<FacetBucket[]> {
  return facetQuery(sql, filter, top);
}

/** The facet statement itself, for EXPLAIN in tests. */
export function incidentFacetsStatement(sql: Queryable, filter: IncidentFilter, top: number) {
  return facetQuery(sql, filter, top);
}

/** Totals over the live incidents matching a filter. */
export interface IncidentStatsRow {
  count: number;
  records_affected: string | null;
  bytes_affected: string | null;
  first_date: string | null;
  first_precision: DatePrecision | null;
  last_date: string | null;
  last_precision: DatePrecision | null;
}

/**
 * How many live incidents match `filter`, the records and bytes they affected in total (null when none
 * reports a figure), and the first and last dates of occurrence with their precision.
 */
export async function incidentStats(sql: Queryable, filter: IncidentFilter): Promise<IncidentStatsRow> {
  const [row] = await sql<IncidentStatsRow[]>`
    with f as materialized (
      select i.occurred_start, i.occurred_end, i.occurred_precision, i.records_affected, i.bytes_affected
      from incidents i
      where i.merged_into_id is null
        ${filterClause(sql, filter)}
    )
    select
      (select count(*)::int from f) as count,
      (select sum(records_affected)::text from f) as records_affected,
      (select sum(bytes_affected)::text from f) as bytes_affected,
      first.date as first_date, first.precision as first_precision,
      last.date as last_date, last.precision as last_precision
    from (select 1) one
    left join lateral (
      select occurred_start as date, occurred_precision::text as precision from f
      where occurred_start is not null
      order by occurred_start, occurred_precision limit 1
    ) first on true
    left join lateral (
      select coalesce(occurred_end, occurred_start) as date, occurred_precision::text as precision from f
      where occurred_start is not null
      order by coalesce(occurred_end, occurred_start) desc, occurred_precision desc limit 1
    ) last on true
  `;
  return row!;
}
