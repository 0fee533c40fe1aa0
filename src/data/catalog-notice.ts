// Writes that append no event (catalog upserts, a position's citations, ATLAS techniques) still change what
// readers see. They announce it on a channel of their own, from inside their transaction: PostgreSQL
// delivers a NOTIFY only when its transaction commits, so a rolled-back write announces nothing. Every
// instance hears it on its hub's LISTEN connection (src/events/hub.ts `listenTo`); the response cache is
// what listens today (src/http/response-cache.ts).
import type { Queryable } from '../db/index.js';

/** The channel of changes that append no event; the payload is a JSON `CatalogChange`. */
export const CATALOG_CHANNEL = 'faultline_catalog';

/** The GraphQL type of the record that changed and its row id. */
export interface CatalogChange {
  type: 'Actor' | 'AiSystem' | 'PolicyTopic' | 'LegalInstrument' | 'Technique' | 'PolicyPosition';
  id: string;
}

/** Announces, once the transaction `tx` commits, that the record `change` names was created or changed. */
export async function noticeCatalogChange(tx: Queryable, change: CatalogChange): Promise<void> {
  // Named, so that statement logs tell it from the event log's wake-up (test/layering.test.ts does).
  await tx`select pg_notify(${CATALOG_CHANNEL}, ${JSON.stringify(change)}) as catalog_notice`;
}

/** Reads a notification's payload; undefined when it is not one. */
export function parseCatalogChange(payload: string): CatalogChange | undefined {
  try {
    const value = JSON.parse(payload) as Partial<CatalogChange>;
    return typeof value.type === 'string' && typeof value.id === 'string' ? (value as CatalogChange) : undefined;
  } catch {
    return undefined;
  }
}
