// One article, one report: http and https, www and the bare host, and tracking parameters no longer make
// two reports, and the stored URL loses its tracking parameters. Migration 012 re-keys a database written
// under the earlier rule and merges the reports that turn out to be one, keeping what was attached to each.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { submitReport } from '../src/data/report-changes.js';
import { createSql, type Sql } from '../src/db/connection.js';
import { MIGRATIONS_DIR, migrate } from '../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

const REKEYING_MIGRATION = 12;
const adminUrl = inject('adminUrl');
let database: TestDatabase;
let tempRoot: string;
const created: string[] = [];
const pools: Sql[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  tempRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'faultline-rekey-'));
});

afterAll(async () => {
  await database?.drop();
  for (const sql of pools) await sql.end({ timeout: 5 });
  const admin = createSql(adminUrl, { max: 1 });
  for (const name of created) await admin`drop database if exists ${admin(name)} with (force)`;
  await admin.end();
  if (tempRoot) await fs.rm(tempRoot, { recursive: true, force: true });
});

describe('submitReport', () => {
  it('stores the URL without its tracking parameters and takes http, https, www and the bare host for one report', async () => {
    const first = await submitReport(database.sql, {
      url: 'http://www.example.org/2026/story?utm_source=feed&id=4&fbclid=abc#comments',
      title: 'A story',
      publisher: 'Example',
    });
    expect(first.created).toBe(true);
    expect(first.report.url).toBe('http://www.example.org/2026/story?id=4#comments');
    expect(first.report.url_key).toBe('https://example.org/2026/story?id=4');
    for (const variant of ['https://example.org/2026/story?id=4', 'https://WWW.example.org/2026/story/?msclkid=9&id=4']) {
      const again = await submitReport(database.sql, { url: variant, title: 'A story', publisher: 'Example' });
      expect(again, variant).toMatchObject({ created: false, report: { id: first.report.id } });
    }
  });
});

describe('migration 012 on a database written under the earlier rule', () => {
  let sql: Sql;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const name = `faultline_rekey_${randomBytes(5).toString('hex')}`;
    const admin = createSql(adminUrl, { max: 1 });
    await admin`create database ${admin(name)} template template0`;
    await admin.end();
    created.push(name);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    sql = createSql(url.toString(), { max: 2 });
    pools.push(sql);

    // Migrate up to just before the re-keying.
    const before = await fs.mkdtemp(path.join(tempRoot, 'migrations-'));
    for (const file of await fs.readdir(MIGRATIONS_DIR)) {
      if (Number(file.slice(0, 3)) < REKEYING_MIGRATION) await fs.copyFile(path.join(MIGRATIONS_DIR, file), path.join(before, file));
    }
    await migrate(sql, before);

    // One article under three keys of the earlier rule, and one report alone with a tracking parameter.
    const report = async (key: string, row: { url: string; published?: string; summary?: string }) => {
      const [inserted] = await sql<{ id: string }[]>`
        insert into reports (url, url_key, publisher, title, summary, published_on, published_precision)
        values (${row.url}, ${key}, 'Example', 'A story', ${row.summary ?? ''}, ${row.published ?? null}::date,
          ${row.published ? 'day' : 'unknown'})
        returning id
      `;
      return inserted!.id;
    };
    ids.www = await report('https://www.example.com/story', { url: 'https://www.example.com/story?utm_source=x' });
    ids.http = await report('http://example.com/story', { url: 'http://example.com/story/', published: '2026-02-01', summary: 'What it says.' });
    ids.click = await report('https://example.com/story?msclkid=2', { url: 'https://example.com/story?fbclid=1&msclkid=2', summary: 'Later words.' });
    ids.alone = await report('https://other.example.com/a?id=1', { url: 'https://other.example.com/a?utm_campaign=z&id=1' });
    const [a, b] = await sql<{ id: string }[]>`
      insert into incidents (slug, title) values ('incident-a', 'A'), ('incident-b', 'B') returning id
    `;
    ids.a = a!.id;
    ids.b = b!.id;
    await sql`insert into incident_reports (incident_id, report_id) values (${ids.a}, ${ids.www}), (${ids.a}, ${ids.http}), (${ids.b}, ${ids.click})`;
    const [actor] = await sql<{ id: string }[]>`insert into actors (slug, name, kind) values ('someone', 'Someone', 'other') returning id`;
    const [topic] = await sql<{ id: string }[]>`insert into policy_topics (slug, name) values ('a-topic', 'A topic') returning id`;
    const [position] = await sql<{ id: string }[]>`
      insert into policy_positions (actor_id, topic_id, stance, summary, source_report_id)
      values (${actor!.id}, ${topic!.id}, 'supports', 'Holds it.', ${ids.click}) returning id
    `;
    ids.position = position!.id;
    await sql`insert into events (id, kind, entity_id) values (nextval('events_id_seq'), 'report_added', ${ids.http})`;
    // A table the migration was not written for that points at reports (as a citations table would), and a
    // report known without a URL: both must come through.
    await sql`create table report_notes (id bigint generated always as identity primary key, report_id bigint not null references reports (id) on delete cascade)`;
    await sql`insert into report_notes (report_id) values (${ids.click})`;
    await sql`alter table reports alter column url drop not null, alter column url_key drop not null`;
    const [urlless] = await sql<{ id: string }[]>`
      insert into reports (url, url_key, publisher, title) values (null, null, 'A wire service', 'Known by outlet and month') returning id
    `;
    ids.urlless = urlless!.id;

    await migrate(sql);
  });

  it('merges the reports of one article into the oldest, with what the others knew', async () => {
    const rows = await sql<{ id: string; url: string | null; url_key: string | null; published_on: string | null; summary: string }[]>`
      select id, url, url_key, published_on, summary from reports order by id
    `;
    expect(rows).toEqual([
      { id: ids.www, url: 'https://www.example.com/story', url_key: 'https://example.com/story', published_on: '2026-02-01', summary: 'What it says.' },
      { id: ids.alone, url: 'https://other.example.com/a?id=1', url_key: 'https://other.example.com/a?id=1', published_on: null, summary: '' },
      { id: ids.urlless, url: null, url_key: null, published_on: null, summary: '' },
    ]);
  });

  it('keeps every link, citation and event of the merged reports on the report they became', async () => {
    const links = await sql<{ incident_id: string; report_id: string }[]>`
      select incident_id, report_id from incident_reports order by incident_id, report_id
    `;
    expect(links).toEqual([
      { incident_id: ids.a, report_id: ids.www },
      { incident_id: ids.b, report_id: ids.www },
    ]);
    const [position] = await sql<{ source_report_id: string }[]>`select source_report_id from policy_positions where id = ${ids.position!}`;
    expect(position!.source_report_id).toBe(ids.www);
    const events = await sql<{ entity_id: string }[]>`select entity_id from events where kind = 'report_added'`;
    expect(events).toEqual([{ entity_id: ids.www }]);
    const notes = await sql<{ report_id: string }[]>`select report_id from report_notes`;
    expect(notes).toEqual([{ report_id: ids.www }]);
  });
});
