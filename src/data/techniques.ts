import type { Queryable } from '../db/index.js';

/** A MITRE ATLAS tactic or technique. */
export interface TechniqueRow {
  id: string;
  name: string;
  kind: 'tactic' | 'technique' | 'subtechnique';
  parent_id: string | null;
  tactic_ids: string[];
}

/** Techniques by ATLAS id, in the order asked. */
export async function techniquesByIds(sql: Queryable, ids: readonly string[]): Promise<(TechniqueRow | null)[]> {
  const rows = await sql<TechniqueRow[]>`
    select id, name, kind, parent_id, tactic_ids from techniques where id = any(${ids})
  `;
  const map = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => map.get(id) ?? null);
}

/** Every technique (or every one of a kind / under a tactic), in id order: reference data, a few hundred rows. */
export async function listTechniques(
  sql: Queryable,
  filter: { kind?: TechniqueRow['kind'] | undefined; tacticId?: string | undefined },
): Promise<TechniqueRow[]> {
  return sql<TechniqueRow[]>`
    select id, name, kind, parent_id, tactic_ids
    from techniques
    where true
      ${filter.kind ? sql`and kind = ${filter.kind}` : sql``}
      ${filter.tacticId ? sql`and ${filter.tacticId} = any(tactic_ids)` : sql``}
    order by id
  `;
}
