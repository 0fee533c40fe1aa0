// A database loaded with the first seed (before migration 005) and then upgraded: migration 007 corrects the
// first seed's rows that the corrected facts contradict, and only rows still exactly as that seed wrote them.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadTechniques } from '../src/data/seed.js';
import { createSql, type Sql } from '../src/db/connection.js';
import { MIGRATIONS_DIR, migrate } from '../src/db/migrate.js';

const FIRST_SEED = fileURLToPath(new URL('./fixtures/seed-before-005.sql', import.meta.url));
const adminUrl = inject('adminUrl');
const name = `faultline_first_seed_${randomBytes(5).toString('hex')}`;
let sql: Sql;
let before004: string;
let edited = { incident: '', report: '' };

beforeAll(async () => {
  const admin = createSql(adminUrl, { max: 1 });
  await admin`create database ${admin(name)} template template0`;
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  sql = createSql(url.toString(), { max: 2 });
  // The schema as the first seed knew it: migrations 001-004.
  before004 = await fs.mkdtemp(path.join(os.tmpdir(), 'faultline-first-seed-'));
  for (const file of await fs.readdir(MIGRATIONS_DIR)) {
    if (/^00[1-4]_/.test(file)) await fs.copyFile(path.join(MIGRATIONS_DIR, file), path.join(before004, file));
  }
  await migrate(sql, before004);
  await loadTechniques(sql);
  await sql.unsafe(await fs.readFile(FIRST_SEED, 'utf8'));
  // An editor's work since: the Chinese incident updated (version 2), a report of theirs citing nothing.
  const [china] = await sql<{ id: string }[]>`
    update incidents set version = 2, summary = summary || ' (edited)' where slug = 'chinese-state-sponsored-claude-espionage' returning id
  `;
  const [report] = await sql<{ id: string }[]>`
    insert into reports (url, url_key, publisher, title, language) values ('https://example.org/x', 'https://example.org/x', 'Example', 'An editor''s report', 'en') returning id
  `;
  edited = { incident: china!.id, report: report!.id };
  await migrate(sql);
});

afterAll(async () => {
  await sql?.end({ timeout: 5 });
  const admin = createSql(adminUrl, { max: 1 });
  await admin`drop database if exists ${admin(name)} with (force)`;
  await admin.end();
  if (before004) await fs.rm(before004, { recursive: true, force: true });
});

describe('migration 007 on a database loaded with the first seed', () => {
  it('removes the outlet the sources never name, and the addresses, headlines and languages made up for the others', async () => {
    const reports = await sql<{ publisher: string | null; url: string | null; title: string | null; language: string | null; precision: string }[]>`
      select publisher, url, title, language, published_precision as precision from reports order by id
    `;
    expect(reports.map((r) => r.publisher)).not.toContain('El Universal');
    const seeded = reports.filter((r) => r.publisher !== 'Example');
    expect(seeded.every((r) => r.url === null && r.title === null && r.language === null)).toBe(true);
    expect(reports.find((r) => r.publisher === 'Gambit Security')?.precision).toBe('unknown');
    // The editor's report is untouched.
    expect(reports.find((r) => r.publisher === 'Example')).toEqual({ publisher: 'Example', url: 'https://example.org/x', title: 'An editor\'s report', language: 'en', precision: 'unknown' });
  });

  it('credits the North Korean reports to no outlet, and un-assesses what the facts do not assess', async () => {
    const sources = await sql<{ publisher: string | null; described_as: string | null }[]>`
      select r.publisher, r.described_as from citations c join reports r on r.id = c.report_id
      join incidents i on i.id = c.incident_id where i.slug = 'north-korean-ai-generated-backdoors'
    `;
    expect(sources.map((s) => ({ ...s }))).toEqual([{ publisher: null, described_as: 'Recent reports mentioned by the news analysis (no outlet named)' }]);
    const incidents = await sql<{ slug: string; version: number; severity: string | null; disclosed: string; approximate: boolean }[]>`
      select slug, version, severity, disclosed_precision as disclosed, records_affected_approximate as approximate from incidents order by slug
    `;
    expect(incidents.map((i) => ({ ...i }))).toEqual([
      // Edited since the seed: left as the editor left it.
      { slug: 'chinese-state-sponsored-claude-espionage', version: 2, severity: 'high', disclosed: 'month', approximate: false },
      { slug: 'mexico-government-ai-assisted-breach', version: 2, severity: 'critical', disclosed: 'month', approximate: true },
      { slug: 'north-korean-ai-generated-backdoors', version: 2, severity: null, disclosed: 'unknown', approximate: false },
    ]);
    const history = await sql<{ slug: string; api_key_id: string | null; severity_before: string | null; severity_after: string | null }[]>`
      select i.slug, h.api_key_id, h.before->>'severity' as severity_before, h.after->>'severity' as severity_after
      from incident_history h join incidents i on i.id = h.incident_id order by i.slug
    `;
    expect(history.map((h) => ({ ...h }))).toEqual([
      { slug: 'mexico-government-ai-assisted-breach', api_key_id: null, severity_before: 'critical', severity_after: 'critical' },
      { slug: 'north-korean-ai-generated-backdoors', api_key_id: null, severity_before: 'high', severity_after: null },
    ]);
    expect(edited.incident).not.toBe('');
  });

  it('clears the made-up quotes and speaker, unlinks the breach, and keeps the ultimatum as the department\'s stance', async () => {
    expect(await sql`select id from policy_positions where quote is not null`).toHaveLength(0);
    expect(await sql`select 1 from policy_positions p join actors s on s.id = p.speaker_id where s.slug = 'dario-amodei'`).toHaveLength(0);
    expect(await sql`select 1 from policy_position_incidents`).toHaveLength(0);
    const current = await sql<{ speaker: string | null }[]>`
      select s.slug as speaker
      from current_policy_positions p join actors a on a.id = p.actor_id join policy_topics t on t.id = p.topic_id
      left join actors s on s.id = p.speaker_id
      where a.slug = 'us-department-of-defense' and t.slug = 'unrestricted-military-access'
    `;
    expect(current.map((c) => c.speaker)).toEqual(['pete-hegseth']);
    const remark = await sql<{ changes_stance: boolean }[]>`
      select p.changes_stance from policy_positions p join citations c on c.position_id = p.id join reports r on r.id = c.report_id
      where r.publisher = 'Heise'
    `;
    expect(remark.map((r) => r.changes_stance)).toEqual([false]);
    expect(await sql`select 1 from record_history where api_key_id is null and change = 'updated'`).toHaveLength(5);
  });

  it('changes nothing when run on a database that never held the first seed', async () => {
    const tables = ['reports', 'incidents', 'policy_positions', 'citations', 'incident_history', 'record_history'];
    const count = async () => Promise.all(tables.map(async (table) => (await sql<{ n: number }[]>`select count(*)::int as n from ${sql(table)}`)[0]!.n));
    const before = await count();
    const text = await fs.readFile(path.join(MIGRATIONS_DIR, '007_correct_first_seed.sql'), 'utf8');
    // Run again on the corrected database: nothing matches the first seed any more.
    await sql.begin((tx) => tx.unsafe(text));
    expect(await count()).toEqual(before);
  });
});
