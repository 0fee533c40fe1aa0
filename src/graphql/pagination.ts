import { parseCursorConnectionArgs, type ResolveCursorConnectionArgs } from '@pothos/plugin-relay';
import { isSortKeyText, MAX_PAGE_SIZE, type KeysetCursor, type PageRequest, type SortKeyType } from '../data/pagination.js';
import { badInput } from './errors.js';

/** The four Relay connection arguments as Pothos passes them. */
export interface ConnectionArgs {
  first?: number | null | undefined;
  last?: number | null | undefined;
  after?: string | null | undefined;
  before?: string | null | undefined;
}

/**
 * A list's order as its cursors name it, and the type of its sort key, so that a cursor's key is checked
 * before it reaches SQL. Lists that check their own keys (search, timeline) say 'text'.
 */
export interface Ordering {
  name: string;
  keyType: SortKeyType;
}

/** Cursors carry the ordering they came from, so a cursor of one order is refused by another. */
export function encodeCursor(ordering: Ordering, row: { sort_key: string; id: string }): string {
  return Buffer.from(JSON.stringify([ordering.name, row.sort_key, row.id]), 'utf8').toString('base64url');
}

function decodeCursor(ordering: Ordering, cursor: string, argument: string): KeysetCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) || parsed.length !== 3 || parsed[0] !== ordering.name ||
    typeof parsed[1] !== 'string' || !isSortKeyText(ordering.keyType, parsed[1]) ||
    typeof parsed[2] !== 'string' || !/^[1-9][0-9]{0,17}$/.test(parsed[2])
  ) {
    throw badInput(`${argument} is not a cursor of this list in this order; use a cursor this field returned`, argument);
  }
  return { key: parsed[1], id: parsed[2] };
}

/** Checks the page size; the limit is an error rather than a silent clamp so clients notice. */
export function checkPageSize(args: ConnectionArgs): void {
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value == null) continue;
    if (value < 0) throw badInput(`${name} must not be negative`, name);
    if (value > MAX_PAGE_SIZE) throw badInput(`${name} must be at most ${MAX_PAGE_SIZE}, got ${value}`, name);
  }
}

/** Turns what resolveCursorConnection hands the fetcher into a decoded keyset page request. */
export function toPageRequest(ordering: Ordering, params: ResolveCursorConnectionArgs): PageRequest {
  return {
    after: params.after ? decodeCursor(ordering, params.after, 'after') : undefined,
    before: params.before ? decodeCursor(ordering, params.before, 'before') : undefined,
    limit: params.limit,
    inverted: params.inverted,
  };
}

/**
 * Resolves a keyset connection: validates arguments, fetches one page (plus one row to know whether
 * more follow), and attaches a lazy totalCount that runs its query only when a client asks for it.
 */
export async function keysetConnection<T extends { sort_key: string; id: string }>(
  ordering: Ordering,
  args: ConnectionArgs,
  fetch: (page: PageRequest) => Promise<T[]>,
  totalCount: () => Promise<number>,
) {
  checkPageSize(args);
  const { before, after, limit, inverted, expectedSize, hasPreviousPage, hasNextPage } = parseCursorConnectionArgs({
    args,
    maxSize: MAX_PAGE_SIZE,
  });
  const rows = await fetch(toPageRequest(ordering, { before, after, limit, inverted }));
  const page = rows.slice(0, expectedSize);
  if (inverted) page.reverse();
  // What resolveCursorConnection (@pothos/plugin-relay) returns, with each cursor encoded only when a client
  // reads it: most pages never ask for their edges' cursors.
  const edges = page.map((row) => new KeysetEdge(ordering, row));
  const around = args.after ?? args.before ?? '';
  return {
    edges,
    pageInfo: {
      get startCursor() {
        return edges[0]?.cursor ?? around;
      },
      get endCursor() {
        return edges[edges.length - 1]?.cursor ?? around;
      },
      hasPreviousPage: hasPreviousPage(rows.length),
      hasNextPage: hasNextPage(rows.length),
    },
    totalCount,
  };
}

/** A connection edge whose cursor is encoded when first read. */
class KeysetEdge<T extends { sort_key: string; id: string }> {
  constructor(
    private readonly ordering: Ordering,
    readonly node: T,
  ) {}

  get cursor(): string {
    return encodeCursor(this.ordering, this.node);
  }
}

/** The page request for a batched nested connection: decoded once for every parent in the batch. */
export function nestedPageRequest(ordering: Ordering, args: ConnectionArgs): PageRequest {
  checkPageSize(args);
  const { before, after, limit, inverted } = parseCursorConnectionArgs({ args, maxSize: MAX_PAGE_SIZE });
  return toPageRequest(ordering, { before, after, limit, inverted });
}

/** Builds one parent's connection from rows fetched for the whole batch. */
export function connectionFromRows<T extends { sort_key: string; id: string }>(
  ordering: Ordering,
  args: ConnectionArgs,
  rows: T[],
  totalCount: () => Promise<number>,
) {
  return keysetConnection(ordering, args, async () => rows, totalCount);
}
