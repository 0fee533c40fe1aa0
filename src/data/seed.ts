import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Queryable, Sql } from '../db/index.js';
import { announce } from '../live/topic.js';
import { actionTopic } from '../live/topics/action.js';
import { incidentTopic } from '../live/topics/incident.js';
import { policyPositionTopic } from '../live/topics/policy-position.js';
import { reportTopic } from '../live/topics/report.js';
import { writeTransaction } from './transactions.js';

/** Where the seed .sql files live, relative to this module in src/ and in dist/ alike. */
export const SEED_DIR = fileURLToPath(new URL('../../sql/seed/', import.meta.url));

const TECHNIQUES_FILE = '001_techniques.sql';

// Any constant works, as long as every instance uses the same one: two servers starting on an empty
// database at once must seed it once.
const SEED_LOCK = 7_215_017_002;

async function seedFiles(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
}

// The files are the project's own, checked into the repository, never user input: running them as
// scripts (several statements each) is what unsafe is for here.
async function runFile(sql: Queryable, dir: string, name: string): Promise<void> {
  const text = await fs.readFile(`${dir}/${name}`, 'utf8');
  try {
    await sql.unsafe(text);
  } catch (error) {
    throw new Error(`seed file ${name} failed: ${(error as Error).message}`);
  }
}

/**
 * Loads every sql/seed file, in name order, into a database that has no incidents yet, and announces what it
 * loaded as any write would (incidents created, reports added, positions and actions recorded); reports whether it did.
 */
export async function loadSeed(sql: Sql, dir = SEED_DIR): Promise<{ loaded: boolean }> {
  const names = await seedFiles(dir);
  return writeTransaction(sql, async (tx) => {
    await tx`select pg_advisory_xact_lock(${SEED_LOCK})`;
    // Read after the lock: an instance that waited sees the rows the first one committed.
    const [row] = await tx<{ present: boolean }[]>`select exists(select 1 from incidents) as present`;
    if (row?.present) return { loaded: false };
    for (const name of names) await runFile(tx, dir, name);
    const ids = (table: 'incidents' | 'reports' | 'policy_positions' | 'actions') =>
      tx<{ id: string }[]>`select id::text as id from ${tx(table)} order by id`;
    await announce(tx, incidentTopic, 'incident_created', await ids('incidents'));
    await announce(tx, reportTopic, 'report_added', await ids('reports'));
    await announce(tx, policyPositionTopic, 'position_recorded', await ids('policy_positions'));
    await announce(tx, actionTopic, 'action_recorded', await ids('actions'));
    return { loaded: true };
  });
}

/** Upserts the MITRE ATLAS techniques of sql/seed/001_techniques.sql; safe to run at any time. */
export async function loadTechniques(sql: Sql, dir = SEED_DIR): Promise<void> {
  await sql.begin(async (tx) => {
    await runFile(tx, dir, TECHNIQUES_FILE);
  });
}
