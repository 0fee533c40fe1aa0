import type { Fragment } from 'postgres';
import type { Queryable } from '../db/index.js';

/** A position in a keyset-ordered list: the sort key as text (cast back by PostgreSQL) and the row id. */
export interface KeysetCursor {
  key: string;
  id: string;
}

export type Direction = 'asc' | 'desc';

/** One page request, already decoded from GraphQL's first/after/last/before. */
export interface PageRequest {
  after?: KeysetCursor | undefined;
  before?: KeysetCursor | undefined;
  /** Rows to fetch, including the one extra that tells whether another page exists. */
  limit: number;
  /** True when paging backwards (last/before): rows are fetched in reverse order. */
  inverted: boolean;
}

/**
 * The keyset conditions and order for `(column, id)` paging: `after` keeps rows that follow the
 * cursor in the requested direction, `before` those that precede it. Row comparisons use the
 * `(column, id)` btree index in either direction.
 */
export function keyset(sql: Queryable, column: Fragment, idColumn: Fragment, direction: Direction, page: PageRequest) {
  const forward = direction === 'desc' ? sql`<` : sql`>`;
  const backward = direction === 'desc' ? sql`>` : sql`<`;
  const effective = page.inverted ? (direction === 'desc' ? 'asc' : 'desc') : direction;
  const order = effective === 'desc' ? sql`desc` : sql`asc`;
  return {
    where: sql`
      ${page.after ? sql`and (${column}, ${idColumn}) ${forward} (${page.after.key}, ${page.after.id})` : sql``}
      ${page.before ? sql`and (${column}, ${idColumn}) ${backward} (${page.before.key}, ${page.before.id})` : sql``}
    `,
    orderBy: sql`${column} ${order}, ${idColumn} ${order}`,
  };
}

/** Groups rows by their `parent_id`, in the order the ids were asked for (DataLoader's contract). */
export function groupByParent<T extends { parent_id: string }>(ids: readonly string[], rows: readonly T[]): T[][] {
  const groups = new Map<string, T[]>(ids.map((id) => [id, []]));
  for (const row of rows) groups.get(row.parent_id)?.push(row);
  return ids.map((id) => groups.get(id) ?? []);
}

/** Orders rows to match `ids`, with null where a row is missing. */
export function byIds<T extends { id: string }>(ids: readonly string[], rows: readonly T[]): (T | null)[] {
  const map = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => map.get(id) ?? null);
}
