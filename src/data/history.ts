// The edit history of incidents (incident_history), policy positions and actions (record_history): each
// entry holds the record before and after a change; readers get the fields that changed between the two.
import type { Queryable } from '../db/index.js';
import type { Author } from './incident-changes.js';
import { groupByParent, keyset, pageLimit, type PageRequest } from './pagination.js';

export type HistoryTarget = 'incident' | 'position' | 'action';

/** One history entry, with the name of the key that made it. */
export interface HistoryRow {
  id: string;
  parent_id: string;
  change: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown>;
  /** Null when the change was made outside the API (the seed, a migration) or the key is gone. */
  key_name: string | null;
  created_at: Date;
  sort_key: string;
}

/** One field that differs between the record before and after a change. */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

// Bookkeeping and derived columns: they change with every write or follow from fields listed anyway.
const NOT_FIELDS = new Set([
  'id', 'version', 'created_at', 'updated_at', 'search_vector', 'occurred_sort', 'disclosed_sort', 'severity_rank',
  'stated_sort', 'deadline_sort', 'deadline_sort_precision', 'source_key',
]);

/** The fields that differ between two snapshots, in name order; every set field of a new record. */
export function changedFields(before: Record<string, unknown> | null, after: Record<string, unknown>): FieldChange[] {
  const names = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after)])].filter((name) => !NOT_FIELDS.has(name)).sort();
  const changes: FieldChange[] = [];
  for (const field of names) {
    const old = before?.[field] ?? null;
    const now = after[field] ?? null;
    if (JSON.stringify(old) === JSON.stringify(now)) continue;
    changes.push({ field, before: old, after: now });
  }
  return changes;
}

/** Appends a history entry for a policy position or an action, inside the writing transaction. */
export async function appendRecordHistory(
  tx: Queryable,
  target: 'position' | 'action',
  id: string,
  change: 'created' | 'updated' | 'retracted',
  before: Record<string, unknown> | null,
  after: Record<string, unknown>,
  author: Author,
): Promise<void> {
  await tx`
    insert into record_history (position_id, action_id, change, before, after, api_key_id)
    values (${target === 'position' ? id : null}, ${target === 'action' ? id : null}, ${change},
      ${before ? tx.json(before as Record<string, never>) : null}, ${tx.json(after as Record<string, never>)}, ${author.keyId})
  `;
}

function source(sql: Queryable, target: HistoryTarget, ids: readonly string[]) {
  if (target === 'incident') {
    return sql`select h.id, h.incident_id as parent_id, h.change, h.before, h.after, h.api_key_id, h.created_at
      from incident_history h where h.incident_id = any(${ids})`;
  }
  const column = target === 'position' ? sql`position_id` : sql`action_id`;
  return sql`select h.id, h.${column} as parent_id, h.change, h.before, h.after, h.api_key_id, h.created_at
    from record_history h where h.${column} = any(${ids})`;
}

/** One page of each record's history, newest first, batched over records with a window function. */
export async function historyOf(
  sql: Queryable,
  target: HistoryTarget,
  ids: readonly string[],
  page: PageRequest,
): Promise<HistoryRow[][]> {
  // Newest first: by when the change was made, then (one transaction's entries share a time) by id.
  const { where, orderBy, sortKey } = keyset(sql, { column: sql`h.created_at`, type: 'timestamptz' }, sql`h.id`, 'desc', page);
  const rows = await sql<HistoryRow[]>`
    select ranked.id, ranked.parent_id, ranked.change, ranked.before, ranked.after, k.name as key_name,
      ranked.created_at, ranked.sort_key
    from (
      select h.*, ${sortKey} as sort_key, row_number() over (partition by h.parent_id order by ${orderBy}) as position
      from (${source(sql, target, ids)}) h
      where true ${where}
    ) ranked
    left join api_keys k on k.id = ranked.api_key_id
    where ranked.position <= ${pageLimit(sql, page)}
    order by ranked.parent_id, ranked.position
  `;
  return groupByParent(ids, rows);
}

/** How many history entries each record has. */
export async function countHistoryOf(sql: Queryable, target: HistoryTarget, ids: readonly string[]): Promise<number[]> {
  const rows = await sql<{ parent_id: string; count: number }[]>`
    select h.parent_id, count(*)::int as count from (${source(sql, target, ids)}) h group by h.parent_id
  `;
  const counts = new Map(rows.map((row) => [row.parent_id, row.count]));
  return ids.map((id) => counts.get(id) ?? 0);
}
