import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Sql } from './connection.js';
import { reserveConnection } from './reserved.js';

/** Where the numbered .sql files live, relative to this module in src/ and in dist/ alike. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../sql/migrations/', import.meta.url));

// Any constant works; it only has to be the same for every instance so two of them never migrate at once.
const MIGRATION_LOCK = 7_215_017_001;

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  text: string;
}

/** Reads the migration files in order; names must look like `001_what.sql`, each number used once. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const names = (await fs.readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const name of names) {
    const match = /^(\d+)_[a-z0-9_]+\.sql$/.exec(name);
    if (!match) throw new Error(`migration file "${name}" must be named like 001_description.sql`);
    const text = await fs.readFile(`${dir}/${name}`, 'utf8');
    const checksum = createHash('sha256').update(text).digest('hex');
    const version = Number(match[1]);
    // Two branches that each added the next number: applying both would record one and fail (or be
    // reported as "edited") on the other, so refuse before touching the database.
    const twin = migrations.find((migration) => migration.version === version);
    if (twin) throw new Error(`migration files ${twin.name} and ${name} share the number ${match[1]}: renumber one of them`);
    migrations.push({ version, name, checksum, text });
  }
  // By number, not by name: "10_x.sql" sorts before "9_x.sql" as text.
  return migrations.sort((a, b) => a.version - b.version);
}

/**
 * Applies pending migrations in order, each in its own transaction, recording a checksum. A migration
 * that was edited after it landed is refused: forward-only means a change is a new file.
 * Returns the names of the migrations it applied.
 */
export async function migrate(sql: Sql, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await readMigrations(dir);
  const applied: string[] = [];
  const connection = await reserveConnection(sql);
  try {
    await connection`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await connection`
      create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      )
    `;
    const rows = await connection<{ version: number; name: string; checksum: string }[]>`
      select version, name, checksum from schema_migrations order by version
    `;
    const landed = new Map(rows.map((row) => [row.version, row]));
    for (const migration of migrations) {
      const previous = landed.get(migration.version);
      if (previous) {
        if (previous.checksum !== migration.checksum) {
          throw new Error(
            `migration ${migration.name} was edited after it was applied (recorded checksum ` +
              `${previous.checksum.slice(0, 12)}, file ${migration.checksum.slice(0, 12)}); ` +
              'landed migrations are never edited: add a new numbered file instead',
          );
        }
        continue;
      }
      await connection`begin`;
      try {
        // A migration may rebuild an index on a large table: the service's statement time limit is not for it.
        await connection`set local statement_timeout = 0`;
        await connection.unsafe(migration.text);
        await connection`
          insert into schema_migrations (version, name, checksum)
          values (${migration.version}, ${migration.name}, ${migration.checksum})
        `;
        await connection`commit`;
      } catch (error) {
        await connection`rollback`;
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`);
      }
      applied.push(migration.name);
    }
    return applied;
  } finally {
    await connection`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {});
    connection.release();
  }
}
