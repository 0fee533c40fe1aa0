import type { Queryable } from '../db/index.js';
import type { ImportSource, Sorted } from './incidents.js';
import { byIds, keyset, pageLimit, type PageRequest } from './pagination.js';

export const ACTOR_KINDS = [
  'ai_developer', 'government', 'military', 'criminal', 'state_actor', 'security_firm',
  'think_tank', 'media', 'person', 'other',
] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** An `actors` row: an organisation or a person. */
export interface ActorRow {
  id: string;
  slug: string;
  name: string;
  kind: ActorKind;
  country: string | null;
  aliases: string[];
  description: string;
  affiliation_id: string | null;
  role_title: string | null;
  /** The outside dataset an importer created it from; null when an editor did. */
  imported_from: ImportSource | null;
  created_at: Date;
  updated_at: Date;
}

export interface ActorFilter {
  kind?: ActorKind | undefined;
  country?: string | undefined;
  /** Approximate name: trigram similarity of the unaccented name (pg_trgm), so "Antropic" finds Anthropic. */
  nameLike?: string | undefined;
}

/** The columns of an ActorRow, read from `actors a`; other modules join actors with it. */
export const actorColumns = (sql: Queryable) => sql`
  a.id, a.slug, a.name, a.kind, a.country, a.aliases, a.description, a.affiliation_id, a.role_title,
  a.imported_from, a.created_at, a.updated_at
`;
const columns = actorColumns;

function filterClause(sql: Queryable, filter: ActorFilter) {
  return sql`
    ${filter.kind ? sql`and a.kind = ${filter.kind}` : sql``}
    ${filter.country ? sql`and a.country = ${filter.country}` : sql``}
    ${filter.nameLike ? sql`and f_unaccent(a.name) % f_unaccent(${filter.nameLike})` : sql``}
  `;
}

/** One keyset page of actors in name order. */
export async function listActors(sql: Queryable, filter: ActorFilter, page: PageRequest): Promise<Sorted<ActorRow>[]> {
  const { where, orderBy, sortKey } = keyset(sql, { column: sql`a.slug`, type: 'text' }, sql`a.id`, 'asc', page);
  return sql<Sorted<ActorRow>[]>`
    select ${columns(sql)}, ${sortKey} as sort_key
    from actors a
    where true ${filterClause(sql, filter)} ${where}
    order by ${orderBy}
    limit ${pageLimit(sql, page)}
  `;
}

/** How many actors match the filter. */
export async function countActors(sql: Queryable, filter: ActorFilter): Promise<number> {
  const [row] = await sql<{ count: number }[]>`select count(*)::int as count from actors a where true ${filterClause(sql, filter)}`;
  return row?.count ?? 0;
}

/** Actors by id, in the order asked. */
export async function actorsByIds(sql: Queryable, ids: readonly string[]): Promise<(ActorRow | null)[]> {
  return byIds(ids, await sql<ActorRow[]>`select ${columns(sql)} from actors a where a.id = any(${ids})`);
}

/** The actor with this slug. */
export async function actorBySlug(sql: Queryable, slug: string): Promise<ActorRow | null> {
  const [row] = await sql<ActorRow[]>`select ${columns(sql)} from actors a where a.slug = ${slug}`;
  return row ?? null;
}
