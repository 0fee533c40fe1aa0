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
import { ValidationError } from '../data/errors.js';
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
  /**
   * Batches written at once, each in its own transaction on its own connection (1 by default: one after the
   * other). Two measured no faster on this two-core machine (bench/README.md, provisional), so it is opt-in.
   * Each batch stays one transaction; see importJsonl for why concurrent ones cannot deadlock.
   */
  inFlight?: number;
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

/**
 * One batch in one transaction; written again (whole) when it collided with a concurrent write and was rolled
 * back (a deadlock or serialization failure: src/data/errors.ts), so such a collision costs no line.
 */
async function importBatchRetrying(sql: Sql, records: readonly IncidentRecord[]): Promise<BulkImportCounts> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await importBatch(sql, records);
    } catch (error) {
      if (!(error instanceof ValidationError && error.rule === 'retry') || attempt >= 3) throw error;
    }
  }
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
      addCounts(written, await importBatchRetrying(sql, lineBatch.map((entry) => entry.record)));
      accepted += lineBatch.length;
    } catch {
      // Something the validation did not foresee: find the line at fault, keep the others.
      for (const entry of lineBatch) {
        try {
          addCounts(written, await importBatchRetrying(sql, [entry.record]));
          accepted++;
        } catch (error) {
          reject({ line: entry.line, issues: [{ field: '(record)', rule: 'database', message: (error as Error).message }] });
        }
      }
    }
  };

  // One batch (or up to `inFlight`) is written while the next is read and validated: the database and this
  // process each work on their own batch. With more than one in flight, each is its own transaction on its
  // own connection. Batches may then commit out of file order; nothing depends on that
  // order (every record is self-contained and matched by natural keys), and each stays all or nothing. Two
  // batches naming the same new actor, AI system or report meet on its unique key: the second waits for the
  // first to commit, then finds it there. They take those keys in one order (bulk-import.ts sorts them),
  // so they cannot wait on each other in a cycle; a collision PostgreSQL reports all the same is retried.
  const inFlight = Math.max(1, options.inFlight ?? 1);
  const writing = new Set<Promise<void>>();
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
      while (writing.size >= inFlight) await Promise.race(writing);
      const read = lines;
      const write: Promise<void> = flush().then(() => {
        writing.delete(write);
        options.onProgress?.(read);
      });
      writing.add(write);
      // Awaited before the next batch or at the end; this only keeps Node from calling it unhandled meanwhile.
      write.catch(() => {});
    }
  }
  await Promise.all(writing);
  await flush();
  options.onProgress?.(lines);
  // A batch retried line by line reports after lines read later: the report is in file order.
  rejected.sort((a, b) => a.line - b.line);
  return { lines, accepted, rejected, written, dryRun };
}
