// The incidents an export writes, streamed: keyset batches in slug order under the `incidents` filter, each
// with everything nested in it read in a fixed number of statements (one per kind of nested list, whatever
// the batch size). Only one batch is held at a time, so memory does not grow with the number of incidents.
import type { Queryable } from '../db/index.js';
import {
  exportActors,
  exportAiSystems,
  exportCitations,
  exportIncidentBatch,
  exportPositions,
  exportTechniques,
  type ExportActorRow,
  type ExportAiSystemRow,
  type ExportCitationRow,
  type ExportPositionRow,
  type ExportTechniqueRow,
} from '../data/export.js';
import type { IncidentFilter, IncidentRow } from '../data/incidents.js';

/** An incident with everything an export writes of it. */
export interface ExportIncident {
  incident: IncidentRow;
  actors: ExportActorRow[];
  aiSystems: ExportAiSystemRow[];
  techniques: ExportTechniqueRow[];
  citations: ExportCitationRow[];
  /** Unretracted positions citing it; read only when asked (the STIX bundle). */
  positions: ExportPositionRow[];
}

export interface SourceOptions {
  /** Incidents per batch (500 by default). */
  batchSize?: number;
  /** Also read the policy positions citing each incident. */
  positions?: boolean;
  /** Stops reading between batches (a client that went away). */
  signal?: AbortSignal;
}

/** The statements a batch costs: the incidents, then one per nested kind (positions only when asked). */
export function statementsPerBatch(positions: boolean): number {
  return positions ? 6 : 5;
}

/** Yields the incidents matching `filter` in slug order, one batch at a time. */
export async function* exportBatches(sql: Queryable, filter: IncidentFilter, options: SourceOptions = {}): AsyncGenerator<ExportIncident[]> {
  const batchSize = options.batchSize ?? 500;
  let after: string | null = null;
  for (;;) {
    if (options.signal?.aborted) return;
    const rows = await exportIncidentBatch(sql, filter, after, batchSize);
    if (rows.length === 0) return;
    const ids = rows.map((row) => row.id);
    const [actors, aiSystems, techniques, citations, positions] = await Promise.all([
      exportActors(sql, ids),
      exportAiSystems(sql, ids),
      exportTechniques(sql, ids),
      exportCitations(sql, ids),
      options.positions ? exportPositions(sql, ids) : Promise.resolve(ids.map((): ExportPositionRow[] => [])),
    ]);
    yield rows.map((incident, i) => ({
      incident,
      actors: actors[i]!,
      aiSystems: aiSystems[i]!,
      techniques: techniques[i]!,
      citations: citations[i]!,
      positions: positions[i]!,
    }));
    if (rows.length < batchSize) return;
    after = rows[rows.length - 1]!.slug;
  }
}
