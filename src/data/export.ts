// The reads behind the exports (src/export): incidents in slug order by keyset batches, under the same
// filter as the `incidents` field (filterClause), and everything nested in a batch in one statement per
// kind, ordered by natural keys so that an export never depends on database ids.
import type { Queryable } from '../db/index.js';
import type { ActorKind } from './actors.js';
import type { AiSystemKind } from './ai-systems.js';
import type { CitationClaim } from './citations.js';
import {
  actorRoleRank,
  aiSystemRoleRank,
  filterClause,
  type AiSystemRole,
  type DatePrecision,
  type ImportSource,
  type IncidentActorRole,
  type IncidentFilter,
  type IncidentRow,
} from './incidents.js';
import { groupByParent, literalLimit } from './pagination.js';
import type { Stance } from './policy.js';
import type { ReportRow } from './reports.js';

/** One batch of live incidents matching `filter`, in slug order, after the slug `after` (exclusive). */
export async function exportIncidentBatch(sql: Queryable, filter: IncidentFilter, after: string | null, limit: number): Promise<IncidentRow[]> {
  return sql<IncidentRow[]>`
    select i.id, i.slug, i.title, i.summary, i.status, i.kind, i.imported_from, i.severity, i.occurred_start, i.occurred_end,
      i.occurred_precision, i.disclosed_on, i.disclosed_precision, i.countries, i.sectors,
      i.records_affected, i.records_affected_approximate, i.bytes_affected, i.bytes_affected_approximate,
      i.data_categories, i.version, i.merged_into_id, i.created_at, i.updated_at
    from incidents i
    where i.merged_into_id is null
      ${after === null ? sql`` : sql`and (i.slug::text) collate "C" > ${after}`}
      ${filterClause(sql, filter)}
    -- Byte order, whatever the database's collation, and the keyset above compares in the same one
    -- (incidents_export_slug_idx, migration 045).
    order by (i.slug::text) collate "C"
    ${literalLimit(sql, limit)}
  `;
}

export interface ExportActorRow {
  parent_id: string;
  slug: string;
  name: string;
  kind: ActorKind;
  country: string | null;
  imported_from: ImportSource | null;
  role: IncidentActorRole;
  note: string;
  created_at: Date;
  updated_at: Date;
}

/** The actors of each incident, by role (the API's role order), then slug. */
export async function exportActors(sql: Queryable, ids: readonly string[]): Promise<ExportActorRow[][]> {
  const rows = await sql<ExportActorRow[]>`
    select l.incident_id::text as parent_id, a.slug, a.name, a.kind, a.country, a.imported_from, l.role, l.note,
      a.created_at, a.updated_at
    from incident_actors l join actors a on a.id = l.actor_id
    where l.incident_id = any(${ids as string[]})
    order by l.incident_id,
      ${actorRoleRank(sql)},
      a.slug collate "C"
  `;
  return groupByParent(ids, rows);
}

export interface ExportAiSystemRow {
  parent_id: string;
  slug: string;
  name: string;
  kind: AiSystemKind;
  description: string;
  imported_from: ImportSource | null;
  /** The developer; all null when it is unknown (an AI system ATLAS names without one). */
  developer_slug: string | null;
  developer_name: string | null;
  developer_kind: ActorKind | null;
  developer_country: string | null;
  developer_imported_from: ImportSource | null;
  parent_slug: string | null;
  parent_name: string | null;
  parent_kind: AiSystemKind | null;
  parent_description: string | null;
  parent_imported_from: ImportSource | null;
  parent_developer_slug: string | null;
  parent_developer_name: string | null;
  parent_developer_kind: ActorKind | null;
  parent_developer_country: string | null;
  parent_developer_imported_from: ImportSource | null;
  role: AiSystemRole;
  usage: string;
  created_at: Date;
  updated_at: Date;
}

/**
 * The AI systems of each incident with their developer and family, by role (the API's order), then slug. A
 * system whose developer is unknown (developer_id null since migration 025) is exported with a null one.
 */
export async function exportAiSystems(sql: Queryable, ids: readonly string[]): Promise<ExportAiSystemRow[][]> {
  const rows = await sql<ExportAiSystemRow[]>`
    select l.incident_id::text as parent_id, s.slug, s.name, s.kind, s.description, s.imported_from,
      d.slug as developer_slug, d.name as developer_name, d.kind as developer_kind, d.country as developer_country,
      d.imported_from as developer_imported_from, p.slug as parent_slug, p.name as parent_name,
      p.kind as parent_kind, p.description as parent_description, p.imported_from as parent_imported_from,
      pd.slug as parent_developer_slug, pd.name as parent_developer_name, pd.kind as parent_developer_kind,
      pd.country as parent_developer_country, pd.imported_from as parent_developer_imported_from,
      l.role, l.usage, s.created_at, s.updated_at
    from incident_ai_systems l
    join ai_systems s on s.id = l.ai_system_id
    left join actors d on d.id = s.developer_id
    left join ai_systems p on p.id = s.parent_id
    left join actors pd on pd.id = p.developer_id
    where l.incident_id = any(${ids as string[]})
    order by l.incident_id,
      ${aiSystemRoleRank(sql)},
      s.slug collate "C"
  `;
  return groupByParent(ids, rows);
}

export interface ExportTechniqueRow {
  parent_id: string;
  id: string;
  name: string;
  kind: 'tactic' | 'technique' | 'subtechnique';
}

/** The ATLAS techniques of each incident, by id. */
export async function exportTechniques(sql: Queryable, ids: readonly string[]): Promise<ExportTechniqueRow[][]> {
  const rows = await sql<ExportTechniqueRow[]>`
    select l.incident_id::text as parent_id, t.id, t.name, t.kind
    from incident_techniques l join techniques t on t.id = l.technique_id
    where l.incident_id = any(${ids as string[]})
    order by l.incident_id, t.id collate "C"
  `;
  return groupByParent(ids, rows);
}

/** A citation with the report it cites: the report's own columns (its row id and timestamps left out). */
export interface ExportCitationRow extends Omit<ReportRow, 'id' | 'created_at'> {
  parent_id: string;
  claim: CitationClaim;
  excerpt: string | null;
  locator: string | null;
  /** The report's identity: its normalised URL, or else its source key (migration 005). */
  identity: string;
}

const citationOrder = (sql: Queryable) => sql`
  r.published_sort, coalesce(r.url_key, r.source_key) collate "C",
  c.excerpt collate "C" nulls first, c.locator collate "C" nulls first
`;

const citationColumns = (sql: Queryable) => sql`
  c.claim, c.excerpt, c.locator, r.url, r.url_key, r.publisher, r.described_as, r.title, r.summary, r.language,
  r.published_on, r.published_precision, coalesce(r.url_key, r.source_key) as identity
`;

/**
 * The citations of each incident (every claim), by claim, then the report's published date (unknown first),
 * identity, excerpt and locator. Identical citations (a report cited twice the same way) are one.
 */
export async function exportCitations(sql: Queryable, ids: readonly string[]): Promise<ExportCitationRow[][]> {
  const rows = await sql<ExportCitationRow[]>`
    select d.* from (
      select distinct c.incident_id as incident, c.incident_id::text as parent_id, r.published_sort, ${citationColumns(sql)}
      from citations c join reports r on r.id = c.report_id
      where c.incident_id = any(${ids as string[]})
    ) d
    order by d.incident, d.published_sort, d.identity collate "C", d.excerpt collate "C" nulls first,
      d.locator collate "C" nulls first, d.claim
  `;
  return groupByParent(ids, rows);
}

export interface ExportPositionRow {
  /** The cited incident. */
  parent_id: string;
  position_id: string;
  actor_slug: string;
  actor_name: string;
  actor_kind: ActorKind;
  actor_country: string | null;
  actor_imported_from: ImportSource | null;
  actor_created_at: Date;
  actor_updated_at: Date;
  topic_slug: string;
  topic_name: string;
  stance: Stance;
  summary: string;
  quote: string | null;
  stated_on: string | null;
  stated_precision: DatePrecision;
  retracted_at: Date | null;
  created_at: Date;
  /** Every live incident the position cites (not only this one), by slug. */
  incident_slugs: string[];
  /** The position's own citations. */
  citations: Omit<ExportCitationRow, 'parent_id'>[];
}

/**
 * The unretracted policy positions that cite each incident, with their citations, in one statement: by
 * actor, topic and stated date.
 */
export async function exportPositions(sql: Queryable, ids: readonly string[]): Promise<ExportPositionRow[][]> {
  const rows = await sql<ExportPositionRow[]>`
    select l.incident_id::text as parent_id, p.id::text as position_id,
      a.slug as actor_slug, a.name as actor_name, a.kind as actor_kind, a.country as actor_country,
      a.imported_from as actor_imported_from,
      a.created_at as actor_created_at, a.updated_at as actor_updated_at, t.slug as topic_slug, t.name as topic_name,
      p.stance, p.summary, p.quote, p.stated_on, p.stated_precision, p.retracted_at, p.created_at,
      array(
        select x.slug from policy_position_incidents y join incidents x on x.id = y.incident_id
        where y.position_id = p.id and x.merged_into_id is null order by x.slug collate "C"
      ) as incident_slugs,
      coalesce((
        select json_agg(json_build_object(
          'claim', c.claim, 'excerpt', c.excerpt, 'locator', c.locator, 'url', r.url, 'url_key', r.url_key,
          'publisher', r.publisher, 'described_as', r.described_as, 'title', r.title, 'summary', r.summary,
          'language', r.language, 'published_on', r.published_on, 'published_precision', r.published_precision,
          'identity', coalesce(r.url_key, r.source_key)
        ) order by ${citationOrder(sql)})
        from citations c join reports r on r.id = c.report_id
        where c.position_id = p.id
      ), '[]'::json) as citations
    from policy_position_incidents l
    join policy_positions p on p.id = l.position_id
    join actors a on a.id = p.actor_id
    join policy_topics t on t.id = p.topic_id
    where l.incident_id = any(${ids as string[]}) and p.retracted_at is null
    order by l.incident_id, a.slug collate "C", t.slug collate "C", p.stated_sort, p.created_at, p.id
  `;
  return groupByParent(ids, rows);
}
