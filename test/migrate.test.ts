import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createSql, type Sql } from '../src/db/connection.js';
import { MIGRATIONS_DIR, migrate, readMigrations } from '../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

interface EmptyDatabase {
  sql: Sql;
  url: string;
}

const adminUrl = inject('adminUrl');
const admin = createSql(adminUrl, { max: 1 });
const created: string[] = [];
const pools: Sql[] = [];
let migrated: TestDatabase;
let tempRoot: string;

/** A new database with nothing in it (not cloned from the migrated template). */
async function emptyDatabase(): Promise<EmptyDatabase> {
  const name = `faultline_migrate_${randomBytes(5).toString('hex')}`;
  await admin`create database ${admin(name)} template template0`;
  created.push(name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { sql: pool(url.toString()), url: url.toString() };
}

function pool(url: string): Sql {
  const sql = createSql(url, { max: 3 });
  pools.push(sql);
  return sql;
}

/** A copy of the real migrations folder, to edit or extend without touching the repository. */
async function copyOfMigrations(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(tempRoot, 'migrations-'));
  await fs.cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

async function recorded(sql: Sql) {
  return sql<{ version: number; name: string; checksum: string }[]>`
    select version, name, checksum from schema_migrations order by version
  `;
}

async function tableExists(sql: Sql, name: string): Promise<boolean> {
  const [row] = await sql<{ present: boolean }[]>`select to_regclass(${name}) is not null as present`;
  return row?.present ?? false;
}

/** The next free migration number, so the test still works when more migrations land. */
async function nextVersion(): Promise<string> {
  const versions = (await readMigrations()).map((migration) => migration.version);
  return String(Math.max(0, ...versions) + 1).padStart(3, '0');
}

beforeAll(async () => {
  tempRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'faultline-migrate-'));
  migrated = await createTestDatabase();
});

afterAll(async () => {
  await Promise.all(pools.map((sql) => sql.end({ timeout: 5 })));
  for (const name of created) await admin`drop database if exists ${admin(name)} with (force)`;
  await admin.end({ timeout: 5 });
  await migrated?.drop();
  if (tempRoot) await fs.rm(tempRoot, { recursive: true, force: true });
});

describe('migrate', () => {
  it('applies every migration in order on an empty database and records its checksum', async () => {
    const { sql } = await emptyDatabase();
    const files = await readMigrations();
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(files.map((file) => file.version)).toEqual([...files.map((file) => file.version)].sort((a, b) => a - b));

    const applied = await migrate(sql);
    expect(applied).toEqual(files.map((file) => file.name));

    const rows = await recorded(sql);
    expect(rows.map((row) => row.name)).toEqual(files.map((file) => file.name));
    for (const row of rows) {
      const text = await fs.readFile(path.join(MIGRATIONS_DIR, row.name), 'utf8');
      expect(row.checksum).toBe(createHash('sha256').update(text).digest('hex'));
      expect(row.version).toBe(Number(row.name.slice(0, row.name.indexOf('_'))));
    }
    expect(await tableExists(sql, 'incidents')).toBe(true);
    expect(await tableExists(sql, 'events')).toBe(true);

    // The second run finds everything recorded and applies nothing.
    expect(await migrate(sql)).toEqual([]);
    expect(await recorded(sql)).toEqual(rows);
  });

  it('orders migrations by number, not by file name', async () => {
    const { sql } = await emptyDatabase();
    const dir = await copyOfMigrations();
    // Two numbers whose names sort the wrong way round as text: 9 and 10, or 99 and 100 once 9 is taken.
    const next = Number(await nextVersion());
    const before = 10 ** String(next).length - 1;
    await fs.writeFile(path.join(dir, `${before}_first.sql`), 'create table ordered_first (id integer);\n');
    await fs.writeFile(path.join(dir, `${before + 1}_second.sql`), 'alter table ordered_first add column note text;\n');
    const applied = await migrate(sql, dir);
    expect(applied.slice(-2)).toEqual([`${before}_first.sql`, `${before + 1}_second.sql`]);
    expect((await recorded(sql)).map((row) => row.version).slice(-2)).toEqual([before, before + 1]);
  });

  it('refuses a landed migration that was edited afterwards, naming the file', async () => {
    const dir = await copyOfMigrations();
    // The template was migrated from the same files: the copy matches what is recorded.
    expect(await migrate(migrated.sql, dir)).toEqual([]);
    const [first] = await readMigrations(dir);
    expect(first).toBeDefined();
    await fs.appendFile(path.join(dir, first!.name), '\n-- a harmless-looking comment\n');
    await expect(migrate(migrated.sql, dir)).rejects.toThrow(new RegExp(`${first!.name.replace('.', '\\.')} was edited`));
    // Nothing was recorded over the old checksum.
    const [row] = await migrated.sql<{ checksum: string }[]>`
      select checksum from schema_migrations where version = ${first!.version}
    `;
    expect(row?.checksum).toBe(first!.checksum);
  });

  it('rolls a failing migration back entirely and does not record it', async () => {
    const { sql } = await emptyDatabase();
    const dir = await copyOfMigrations();
    const name = `${await nextVersion()}_x.sql`;
    await fs.writeFile(
      path.join(dir, name),
      [
        'create table half_done (id integer primary key);',
        "insert into half_done values (1);",
        "alter table incidents add column half_done_flag boolean;",
        'select 1 / 0;',
      ].join('\n'),
    );
    await expect(migrate(sql, dir)).rejects.toThrow(new RegExp(`migration ${name.replace('.', '\\.')} failed: division by zero`));

    expect(await tableExists(sql, 'half_done')).toBe(false);
    const [column] = await sql<{ n: number }[]>`
      select count(*)::int as n from information_schema.columns
      where table_name = 'incidents' and column_name = 'half_done_flag'
    `;
    expect(column?.n).toBe(0);
    // The migrations before it landed in their own transactions and stay recorded.
    const rows = await recorded(sql);
    expect(rows.map((row) => row.name)).toEqual((await readMigrations()).map((file) => file.name));
    expect(rows.map((row) => row.name)).not.toContain(name);

    // The lock was released: a fixed file applies on the next run.
    await fs.writeFile(path.join(dir, name), 'create table half_done (id integer primary key);\n');
    expect(await migrate(sql, dir)).toEqual([name]);
  });

  it('applies each migration once when two instances migrate an empty database at once', async () => {
    const { url } = await emptyDatabase();
    // Two pools, as two service instances starting together would have.
    const [a, b] = await Promise.all([migrate(pool(url)), migrate(pool(url))]);
    const names = (await readMigrations()).map((file) => file.name);
    expect([...a, ...b].sort()).toEqual(names);
    // One of them did all the work while the other waited on the lock.
    expect([a.length, b.length].sort()).toEqual([0, names.length]);
    expect((await recorded(pool(url))).map((row) => row.name)).toEqual(names);
  });

  it.each(['4_Bad-Name.sql', 'add_things.sql', '005-dash.sql'])('refuses a badly named file (%s)', async (bad) => {
    const dir = await copyOfMigrations();
    await fs.writeFile(path.join(dir, bad), 'select 1;\n');
    await expect(readMigrations(dir)).rejects.toThrow(`migration file "${bad}" must be named like 001_description.sql`);
    await expect(migrate(migrated.sql, dir)).rejects.toThrow(bad);
  });

  it('refuses two files with the same number before applying anything', async () => {
    const { sql } = await emptyDatabase();
    const dir = await copyOfMigrations();
    const [first] = await readMigrations(dir);
    const prefix = first!.name.slice(0, first!.name.indexOf('_'));
    const twin = `${prefix}_twin.sql`;
    await fs.writeFile(path.join(dir, twin), 'create table twin (id integer);\n');
    // Two branches that each added the next number: which one is "the" migration is ambiguous.
    await expect(migrate(sql, dir)).rejects.toThrow(`migration files ${first!.name} and ${twin} share the number ${prefix}`);
    expect(await tableExists(sql, 'incidents')).toBe(false);
    expect(await tableExists(sql, 'twin')).toBe(false);
  });
});

describe('the schema enforces the domain rules', () => {
  it('keeps a month-precision date on the first of the month', async () => {
    const sql = migrated.sql;
    await expect(sql`
      insert into incidents (slug, title, occurred_precision, occurred_start)
      values ('mid-month', 'Mid month', 'month', '2025-12-14')
    `).rejects.toMatchObject({ code: '23514', constraint_name: 'incidents_occurred_start_ok' });
    // The same incident stored canonically is accepted: the check is about the day, not the row.
    await sql`
      insert into incidents (slug, title, occurred_precision, occurred_start)
      values ('start-of-month', 'Start of month', 'month', '2025-12-01')
    `;
  });

  it('accepts only http(s) report URLs', async () => {
    const sql = migrated.sql;
    await expect(sql`
      insert into reports (url, url_key, publisher, title)
      values ('ftp://example.com/report', 'example.com/ftp-report', 'Example', 'Over FTP')
    `).rejects.toMatchObject({ code: '23514', constraint_name: 'reports_url_check' });
    await expect(sql`
      insert into reports (url, url_key, publisher, title)
      values ('javascript:alert(1)', 'javascript-alert', 'Example', 'Script')
    `).rejects.toMatchObject({ code: '23514' });
    await sql`
      insert into reports (url, url_key, publisher, title)
      values ('https://example.com/report', 'example.com/report', 'Example', 'Over HTTPS')
    `;
  });

  it('stores one report per normalised URL', async () => {
    const sql = migrated.sql;
    await sql`
      insert into reports (url, url_key, publisher, title)
      values ('https://news.example.org/a', 'news.example.org/a', 'Example', 'First')
    `;
    await expect(sql`
      insert into reports (url, url_key, publisher, title)
      values ('https://NEWS.example.org/a#top', 'news.example.org/a', 'Example', 'Again')
    `).rejects.toMatchObject({ code: '23505', constraint_name: 'reports_url_key_key' });
  });

  it('refuses a slug with spaces', async () => {
    const sql = migrated.sql;
    await expect(sql`
      insert into actors (slug, name, kind) values ('open ai', 'Open AI', 'ai_developer')
    `).rejects.toMatchObject({ code: '23514', message: expect.stringContaining('slug') });
    await expect(sql`
      insert into incidents (slug, title) values ('a breach', 'A breach')
    `).rejects.toMatchObject({ code: '23514', message: expect.stringContaining('slug') });
    await sql`insert into actors (slug, name, kind) values ('open-ai-test', 'Open AI', 'ai_developer')`;
  });

  it('accepts only ISO country codes', async () => {
    const sql = migrated.sql;
    await expect(sql`
      insert into actors (slug, name, kind, country) values ('mexico-test', 'Mexico', 'government', 'Mexico')
    `).rejects.toMatchObject({ code: '23514', constraint_name: 'actors_country_check' });
    await expect(sql`
      insert into incidents (slug, title, countries) values ('in-mexico', 'In Mexico', array['Mexico'])
    `).rejects.toMatchObject({ code: '23514', message: expect.stringContaining('country_codes') });
    await expect(sql`
      insert into incidents (slug, title, countries) values ('in-mexico', 'In Mexico', array['MX', 'mx'])
    `).rejects.toMatchObject({ code: '23514' });
    await sql`insert into actors (slug, name, kind, country) values ('mexico-gov-test', 'Mexico', 'government', 'MX')`;
    await sql`insert into incidents (slug, title, countries) values ('in-mexico', 'In Mexico', array['MX', 'US'])`;
  });
});
