import type { Fragment } from 'postgres';
import type { Queryable } from '../db/index.js';

/** A position in a keyset-ordered list: the sort key as canonical text (see sortKeyText) and the row id. */
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

export const SORT_KEY_TYPES = ['date', 'timestamptz', 'smallint', 'text'] as const;
/** The SQL type a sort column is compared as; it decides how the key is written into a cursor and read back. */
export type SortKeyType = (typeof SORT_KEY_TYPES)[number];

/** A keyset sort column and its type. */
export interface SortKey {
  column: Fragment;
  type: SortKeyType;
}

/**
 * The sort key as text that reads back to exactly the same value in any session. `::text` would not do:
 * its form follows the session's DateStyle and TimeZone, and a cursor may be read by another connection
 * or instance. Timestamps keep their microseconds and are written in UTC.
 */
export function sortKeyText(sql: Queryable, key: SortKey): Fragment {
  const { column } = key;
  switch (key.type) {
    case 'date':
      // to_char has no form for ±infinity (the sort value of an unknown date); ::text writes those the same
      // under every DateStyle.
      return sql`case when isfinite(${column}) then to_char(${column}, 'YYYY-MM-DD') else ${column}::text end`;
    case 'timestamptz':
      return sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
    case 'smallint':
    case 'text':
      return sql`${column}::text`;
  }
}

/**
 * A cursor's key as a value of the column's type. The parameter is declared text: left untyped, postgres.js
 * would learn from the statement that it is a timestamptz and send it through JavaScript's Date, which
 * keeps milliseconds only, so a cursor between two rows of the same millisecond would land on the wrong side.
 */
function sortKeyValue(sql: Queryable, type: SortKeyType, text: string): Fragment {
  switch (type) {
    case 'date':
      return sql`${text}::text::date`;
    case 'timestamptz':
      return sql`${text}::text::timestamptz`;
    case 'smallint':
      return sql`${text}::text::smallint`;
    case 'text':
      return sql`${text}::text`;
  }
}

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_TEXT = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}Z$/;

function isCalendarDate(text: string): boolean {
  if (!DATE_TEXT.test(text)) return false;
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text;
}

/** True when `text` is what sortKeyText writes for a key of this type, so reading it back cannot fail. */
export function isSortKeyText(type: SortKeyType, text: string): boolean {
  switch (type) {
    case 'date':
      return text === '-infinity' || text === 'infinity' || isCalendarDate(text);
    case 'timestamptz': {
      const match = TIMESTAMP_TEXT.exec(text);
      return match !== null && isCalendarDate(match[1]!);
    }
    case 'smallint':
      return /^-?[0-9]{1,5}$/.test(text) && Math.abs(Number(text)) <= 32767;
    case 'text':
      return true;
  }
}

/**
 * The keyset conditions, order and cursor key for `(key, id)` paging: `after` keeps rows that follow the
 * cursor in the requested direction, `before` those that precede it. Row comparisons use the `(key, id)`
 * btree index in either direction; ties on the key break on the id, in the same direction.
 */
export function keyset(sql: Queryable, key: SortKey, idColumn: Fragment, direction: Direction, page: PageRequest) {
  const forward = direction === 'desc' ? sql`<` : sql`>`;
  const backward = direction === 'desc' ? sql`>` : sql`<`;
  const effective = page.inverted ? (direction === 'desc' ? 'asc' : 'desc') : direction;
  const order = effective === 'desc' ? sql`desc` : sql`asc`;
  const bound = (cursor: KeysetCursor, op: Fragment) =>
    sql`and (${key.column}, ${idColumn}) ${op} (${sortKeyValue(sql, key.type, cursor.key)}, ${cursor.id}::bigint)`;
  return {
    where: sql`
      ${page.after ? bound(page.after, forward) : sql``}
      ${page.before ? bound(page.before, backward) : sql``}
    `,
    orderBy: sql`${key.column} ${order}, ${idColumn} ${order}`,
    /** Select it `as sort_key`: the key a cursor for the row carries. */
    sortKey: sortKeyText(sql, key),
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

/**
 * The largest page a list serves. It lives here, not in the GraphQL layer that refuses larger pages, so the
 * data layer can check a page's limit before writing it into a statement (see pageLimit).
 */
export const MAX_PAGE_SIZE = 100;

const integerTemplates = new Map<number, TemplateStringsArray>();

/**
 * A non-negative integer written into the statement text rather than sent as a parameter. The check is what
 * makes that safe: only the digits of a safe integer within `max` can reach the text, whatever a caller
 * passes. The template objects are kept because postgres.js keys its per-fragment data on their identity.
 */
function literalInteger(sql: Queryable, value: number, max: number): Fragment {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) throw new Error(`not a row limit within 0..${max}: ${value}`);
  let strings = integerTemplates.get(value);
  if (!strings) {
    const text = String(value);
    strings = Object.assign([text], { raw: [text] }) as unknown as TemplateStringsArray;
    if (integerTemplates.size < 10_000) integerTemplates.set(value, strings);
  }
  return sql(strings);
}

/**
 * A page's row limit (its size plus the one extra row) as a literal, for `limit ${...}` or a window's
 * `position <= ${...}`. PostgreSQL plans a prepared statement whose limit is a parameter as if it returned a
 * tenth of the table, so it never settles on the cached generic plan and plans a custom one at every execution
 * (bench/README.md, "Closing the gap: first steps", step 6). With the number in the text there is one statement
 * per page size (at most MAX_PAGE_SIZE + 1), which postgres.js prepares once per connection and PostgreSQL
 * then runs on its generic plan. A limit outside 0..MAX_PAGE_SIZE + 1 is a bug upstream (the GraphQL layer
 * refuses such pages with a clear error first) and throws here rather than reaching SQL.
 */
export function pageLimit(sql: Queryable, page: Pick<PageRequest, 'limit'>): Fragment {
  return literalInteger(sql, page.limit, MAX_PAGE_SIZE + 1);
}

/**
 * `limit N` for a list statement whose limit is a fixed batch size of the code (export batches, search
 * candidates), written into the text for the same reason as pageLimit.
 */
export function literalLimit(sql: Queryable, limit: number): Fragment {
  return sql`limit ${literalInteger(sql, limit, 100_000)}`;
}
