import type { Queryable } from '../db/index.js';
import type { ImportSource, Sorted } from './incidents.js';
import { byIds, keyset, pageLimit, type PageRequest } from './pagination.js';

export const AI_SYSTEM_KINDS = ['product', 'model', 'model_version'] as const;
export type AiSystemKind = (typeof AI_SYSTEM_KINDS)[number];

/** An `ai_systems` row: a product or model version. */
export interface AiSystemRow {
  id: string;
  slug: string;
  name: string;
  kind: AiSystemKind;
  /** Null when the sources do not say who makes it (a target named by MITRE ATLAS, say). */
  developer_id: string | null;
  parent_id: string | null;
  description: string;
  /** The outside dataset an importer created it from; null when an editor did. */
  imported_from: ImportSource | null;
  created_at: Date;
  updated_at: Date;
}

/** The columns of an AiSystemRow, read from `ai_systems s`; other modules join AI systems with it. */
export const aiSystemColumns = (sql: Queryable) => sql`
  s.id, s.slug, s.name, s.kind, s.developer_id, s.parent_id, s.description, s.imported_from, s.created_at, s.updated_at
`;
const columns = aiSystemColumns;

/** One keyset page of AI systems in slug order, optionally of one developer. */
export async function listAiSystems(
  sql: Queryable,
  filter: { developerId?: string | undefined },
  page: PageRequest,
): Promise<Sorted<AiSystemRow>[]> {
  const { where, orderBy, sortKey } = keyset(sql, { column: sql`s.slug`, type: 'text' }, sql`s.id`, 'asc', page);
  return sql<Sorted<AiSystemRow>[]>`
    select ${columns(sql)}, ${sortKey} as sort_key
    from ai_systems s
    where true ${filter.developerId ? sql`and s.developer_id = ${filter.developerId}` : sql``} ${where}
    order by ${orderBy}
    limit ${pageLimit(sql, page)}
  `;
}

/** How many AI systems match. */
export async function countAiSystems(sql: Queryable, filter: { developerId?: string | undefined }): Promise<number> {
  const [row] = await sql<{ count: number }[]>`
    select count(*)::int as count from ai_systems s
    where true ${filter.developerId ? sql`and s.developer_id = ${filter.developerId}` : sql``}
  `;
  return row?.count ?? 0;
}

/** AI systems by id, in the order asked. */
export async function aiSystemsByIds(sql: Queryable, ids: readonly string[]): Promise<(AiSystemRow | null)[]> {
  return byIds(ids, await sql<AiSystemRow[]>`select ${columns(sql)} from ai_systems s where s.id = any(${ids})`);
}

/** The AI system with this slug. */
export async function aiSystemBySlug(sql: Queryable, slug: string): Promise<AiSystemRow | null> {
  const [row] = await sql<AiSystemRow[]>`select ${columns(sql)} from ai_systems s where s.slug = ${slug}`;
  return row ?? null;
}

/**
 * The ids that count as this AI system in a filter: itself and, unless `exact`, its versions at any depth
 * (Claude -> Claude Opus 4.6), as the incidents filter rolls them up. `union` stops on a cycle of parents.
 */
export async function aiSystemRollUp(sql: Queryable, id: string, exact: boolean): Promise<string[]> {
  if (exact) return [id];
  const rows = await sql<{ id: string }[]>`
    with recursive family (id) as (
      select ${id}::bigint
      union
      select s.id from ai_systems s join family f on s.parent_id = f.id
    )
    select id::text as id from family
  `;
  return rows.map((row) => row.id);
}
