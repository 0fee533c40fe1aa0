// The export formats, each a writer over the streamed incident source: text chunks, one per batch, that a
// route or the CLI writes out with backpressure.
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/index.js';
import type { IncidentFilter } from '../data/incidents.js';
import { CSV_HEADER, csvLine } from './csv.js';
import { jsonlLine } from './jsonl.js';
import { exportBatches, type ExportIncident } from './source.js';
import { StixWriter } from './stix.js';

export const EXPORT_FORMATS = ['csv', 'jsonl', 'stix'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The media type each format is served as. */
export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  jsonl: 'application/jsonl; charset=utf-8',
  stix: 'application/stix+json; version=2.1; charset=utf-8',
};

export interface ExportOptions {
  batchSize?: number;
  signal?: AbortSignal;
}

/**
 * The export as text chunks, one per batch. The header (CSV's, the bundle's opening) comes with the first
 * batch, so the first chunk has needed the database: a route that waits for it before sending its status
 * can still answer an error.
 */
export async function* exportChunks(sql: Queryable, filter: IncidentFilter, format: ExportFormat, options: ExportOptions = {}): AsyncGenerator<string> {
  let pending: string;
  let line: (batch: ExportIncident[]) => string;
  if (format === 'stix') {
    // The bundle's id names what was asked for: the same filter gives the same bundle id.
    const key = createHash('sha256').update(JSON.stringify(filter, Object.keys(filter).sort())).digest('hex');
    const writer = new StixWriter(key);
    pending = writer.start();
    line = (batch) => writer.batch(batch);
    for await (const batch of exportBatches(sql, filter, { ...options, positions: true })) {
      yield pending + line(batch);
      pending = '';
    }
    yield pending + writer.end();
    return;
  }
  pending = format === 'csv' ? CSV_HEADER : '';
  const one = format === 'csv' ? csvLine : jsonlLine;
  line = (batch) => batch.map(one).join('');
  for await (const batch of exportBatches(sql, filter, options)) {
    yield pending + line(batch);
    pending = '';
  }
  // Nothing matched: the CSV is its header alone, the JSONL empty.
  if (pending) yield pending;
}
