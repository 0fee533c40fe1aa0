import type { Fragment } from 'postgres';
import type { Queryable } from '../db/index.js';
import type { DatePrecision, Sorted } from './incidents.js';
import { byIds, groupByParent, keyset, pageLimit, type PageRequest } from './pagination.js';
import { searchQuery } from './text-search.js';

/**
 * A `reports` row: one published source. Address, headline, publisher and language are null when the
 * sources do not give them; a report without a publisher is described instead (`described_as`).
 */
export interface ReportRow {
  id: string;
  url: string | null;
  url_key: string | null;
  publisher: string | null;
  described_as: string | null;
  title: string | null;
  summary: string;
  language: string | null;
  published_on: string | null;
  published_precision: DatePrecision;
  created_at: Date;
}

export interface ReportFilter {
  publisher?: string | undefined;
  language?: string | undefined;
  incidentId?: string | undefined;
  /** Full-text search (web-search syntax) over title, summary, publisher and description. */
  search?: string | undefined;
}

const columns = (sql: Queryable) => sql`
  r.id, r.url, r.url_key, r.publisher, r.described_as, r.title, r.summary, r.language, r.published_on,
  r.published_precision, r.created_at
`;

/**
 * A report as JSON in the shape of `reportsByIds`' rows (ids as text), given an expression for its id: what
 * events store as the record they announced.
 */
export const reportSnapshotSql = (sql: Queryable, id: Fragment): Fragment => sql`
  (select to_jsonb(s) || jsonb_build_object('id', s.id::text) from (select ${columns(sql)} from reports r where r.id = ${id}) s)
`;

function filterClause(sql: Queryable, filter: ReportFilter) {
  return sql`
    ${filter.publisher ? sql`and r.publisher = ${filter.publisher}` : sql``}
    ${filter.language ? sql`and r.language = ${filter.language}` : sql``}
    ${filter.incidentId ? sql`
      and exists (select 1 from incident_reports l where l.report_id = r.id and l.incident_id = ${filter.incidentId})`
      : sql``}
    ${filter.search ? sql`and r.search_vector @@ ${searchQuery(sql, filter.search)}` : sql``}
  `;
}

/** One keyset page of reports, newest publication first. */
export async function listReports(sql: Queryable, filter: ReportFilter, page: PageRequest): Promise<Sorted<ReportRow>[]> {
  const { where, orderBy, sortKey } = keyset(sql, { column: sql`r.published_sort`, type: 'date' }, sql`r.id`, 'desc', page);
  return sql<Sorted<ReportRow>[]>`
    select ${columns(sql)}, ${sortKey} as sort_key
    from reports r
    where true ${filterClause(sql, filter)} ${where}
    order by ${orderBy}
    limit ${pageLimit(sql, page)}
  `;
}

/** How many reports match the filter. */
export async function countReports(sql: Queryable, filter: ReportFilter): Promise<number> {
  const [row] = await sql<{ count: number }[]>`
    select count(*)::int as count from reports r where true ${filterClause(sql, filter)}
  `;
  return row?.count ?? 0;
}

/** Reports by id, in the order asked. */
export async function reportsByIds(sql: Queryable, ids: readonly string[]): Promise<(ReportRow | null)[]> {
  return byIds(ids, await sql<ReportRow[]>`select ${columns(sql)} from reports r where r.id = any(${ids})`);
}

/** The report whose normalised URL is `urlKey`. */
export async function reportByUrlKey(sql: Queryable, urlKey: string): Promise<ReportRow | null> {
  const [row] = await sql<ReportRow[]>`select ${columns(sql)} from reports r where r.url_key = ${urlKey}`;
  return row ?? null;
}

/** One page of reports for each incident (newest first), batched with a window function. */
export async function reportsOfIncidents(
  sql: Queryable,
  incidentIds: readonly string[],
  page: PageRequest,
): Promise<Sorted<ReportRow & { parent_id: string }>[][]> {
  const { where, orderBy, sortKey } = keyset(sql, { column: sql`r.published_sort`, type: 'date' }, sql`r.id`, 'desc', page);
  const rows = await sql<Sorted<ReportRow & { parent_id: string }>[]>`
    select * from (
      select ${columns(sql)}, ${sortKey} as sort_key, l.incident_id as parent_id,
        row_number() over (partition by l.incident_id order by ${orderBy}) as position
      from incident_reports l join reports r on r.id = l.report_id
      where l.incident_id = any(${incidentIds}) ${where}
    ) ranked
    where position <= ${pageLimit(sql, page)}
    order by parent_id, position
  `;
  return groupByParent(incidentIds, rows);
}

/** How many reports each incident has. */
export async function countReportsOfIncidents(sql: Queryable, incidentIds: readonly string[]): Promise<number[]> {
  const rows = await sql<{ parent_id: string; count: number }[]>`
    select incident_id as parent_id, count(*)::int as count
    from incident_reports where incident_id = any(${incidentIds})
    group by incident_id
  `;
  const counts = new Map(rows.map((row) => [row.parent_id, row.count]));
  return incidentIds.map((id) => counts.get(id) ?? 0);
}
