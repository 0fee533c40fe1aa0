// Importing a `faultline.incident/1` JSONL file (what `npm run export -- --format jsonl` writes): lines are
// read as a stream, each validated on its own (src/import/validate.ts), and the good ones written in batches,
// one transaction each (src/data/bulk-import.ts). A bad line is reported and skipped; it never stops the
// others. Should a batch fail in the database all the same, its lines are retried one by one, so only the
// line at fault is lost, and it is reported.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Sql } from '../db/index.js';
import {
  addCounts,
  emptyCounts,
  importBatch,
  knownTechniqueIds,
  type BulkImportCounts,
} from '../data/bulk-import.js';
import type { IncidentRecord } from '../export/record.js';
import { validateLine, type LineIssue } from './validate.js';

/** A rejected line: its 1-based number and every problem found in it. */
export interface RejectedLine {
  line: number;
  issues: LineIssue[];
}

export interface ImportOptions {
  /** Validate and report only; write nothing. */
  dryRun?: boolean;
  /** Lines per transaction (500 by default). */
  batchSize?: number;
  /** Called for each rejected line as soon as it is known. */
  onRejected?: (rejected: RejectedLine) => void;
  /** Called after each batch with the lines read so far. */
  onProgress?: (linesRead: number) => void;
}

export interface ImportSummary {
  /** Non-empty lines read. */
  lines: number;
  accepted: number;
  rejected: RejectedLine[];
  /** What the import wrote (all zero in a dry run). */
  written: BulkImportCounts;
  dryRun: boolean;
}

/** Imports the JSONL read from `input` into the database behind `sql`. */
export async function importJsonl(sql: Sql, input: Readable, options: ImportOptions = {}): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? 500;
  const dryRun = options.dryRun ?? false;
  const techniques = await knownTechniqueIds(sql);
  const written = emptyCounts();
  const rejected: RejectedLine[] = [];
  let lines = 0;
  let accepted = 0;
  let batch: Array<{ line: number; record: IncidentRecord }> = [];

  const reject = (entry: RejectedLine) => {
    rejected.push(entry);
    options.onRejected?.(entry);
  };

  const flush = async () => {
    const lineBatch = batch;
    batch = [];
    if (lineBatch.length === 0) return;
    if (dryRun) {
      accepted += lineBatch.length;
      return;
    }
    try {
      addCounts(written, await importBatch(sql, lineBatch.map((entry) => entry.record)));
      accepted += lineBatch.length;
    } catch {
      // Something the validation did not foresee: find the line at fault, keep the others.
      for (const entry of lineBatch) {
        try {
          addCounts(written, await importBatch(sql, [entry.record]));
          accepted++;
        } catch (error) {
          reject({ line: entry.line, issues: [{ field: '(record)', rule: 'database', message: (error as Error).message }] });
        }
      }
    }
  };

  // One batch is written while the next is read and validated: the database and this process each work on
  // their own batch (on two cores, in parallel). Batches still commit one after the other, in file order.
  let writing: Promise<void> = Promise.resolve();
  const reader = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  for await (const text of reader) {
    number++;
    if (text.trim() === '') continue;
    lines++;
    const result = validateLine(text, techniques);
    if (result.ok) batch.push({ line: number, record: result.record });
    else reject({ line: number, issues: result.issues });
    if (batch.length >= batchSize) {
      await writing;
      const read = lines;
      writing = flush().then(() => options.onProgress?.(read));
      // Awaited before the next batch or at the end; this only keeps Node from calling it unhandled meanwhile.
      writing.catch(() => {});
    }
  }
  await writing;
  await flush();
  options.onProgress?.(lines);
  // A batch retried line by line reports after lines read later: the report is in file order.
  rejected.sort((a, b) => a.line - b.line);
  return { lines, accepted, rejected, written, dryRun };
}
