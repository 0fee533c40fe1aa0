import type { Queryable } from '../db/index.js';
import { byIds } from './pagination.js';

/** A `legal_instruments` row: a law or order an action invokes, such as the Defense Production Act. */
export interface LegalInstrumentRow {
  id: string;
  slug: string;
  name: string;
  /** ISO 3166-1 alpha-2 code (or a subdivision, "US-CA"). */
  jurisdiction: string;
  description: string;
  created_at: Date;
  updated_at: Date;
}

/** The columns of a LegalInstrumentRow, read from `legal_instruments l`; other modules join it. */
export const legalInstrumentColumns = (sql: Queryable) => sql`
  l.id, l.slug, l.name, l.jurisdiction, l.description, l.created_at, l.updated_at
`;

/** Every legal instrument in name order (a short list), optionally of one jurisdiction. */
export async function listLegalInstruments(sql: Queryable, jurisdiction?: string): Promise<LegalInstrumentRow[]> {
  return sql<LegalInstrumentRow[]>`
    select ${legalInstrumentColumns(sql)} from legal_instruments l
    where true ${jurisdiction ? sql`and l.jurisdiction = ${jurisdiction}` : sql``}
    order by l.name, l.id
  `;
}

/** Legal instruments by id, in the order asked. */
export async function legalInstrumentsByIds(sql: Queryable, ids: readonly string[]): Promise<(LegalInstrumentRow | null)[]> {
  return byIds(ids, await sql<LegalInstrumentRow[]>`select ${legalInstrumentColumns(sql)} from legal_instruments l where l.id = any(${ids})`);
}

/** The legal instrument with this slug. */
export async function legalInstrumentBySlug(sql: Queryable, slug: string): Promise<LegalInstrumentRow | null> {
  const [row] = await sql<LegalInstrumentRow[]>`select ${legalInstrumentColumns(sql)} from legal_instruments l where l.slug = ${slug}`;
  return row ?? null;
}
