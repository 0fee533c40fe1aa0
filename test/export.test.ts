// Exports and feeds as the tools that read them would: the JSONL record shape on the seed (citations present,
// unknowns null, the same bytes every time), CSV parsed back with an RFC 4180 parser, every STIX object of the
// seed's bundle and of a 1,000-incident synthetic one valid against the OASIS schemas, Atom feeds parsed by a
// real feed parser, and the routes' filters, 400s and read-key rule.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAtomFeed } from 'feedsmith';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueKey } from '../src/auth/keys.js';
import { createSql } from '../src/db/connection.js';
import { loadSeed } from '../src/data/seed.js';
import { loadSynthetic } from '../src/data/synthetic.js';
import { CSV_COLUMNS } from '../src/export/csv.js';
import { exportChunks, type ExportFormat } from '../src/export/formats.js';
import type { IncidentRecord } from '../src/export/record.js';
import { exportBatches, statementsPerBatch } from '../src/export/source.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { findStixSchemaDir, stixValidator } from './helpers/stix.js';

let seedDb: TestDatabase;
let server: TestServer;
let guarded: TestServer;
let readerKey: string;

beforeAll(async () => {
  seedDb = await createTestDatabase();
  await loadSeed(seedDb.sql);
  readerKey = (await issueKey(seedDb.sql, 'export tests', 'reader')).key;
  server = await startTestServer(seedDb.url);
  guarded = await startTestServer(seedDb.url, { requireReadKey: true });
});

afterAll(async () => {
  await server?.stop();
  await guarded?.stop();
  await seedDb?.drop();
});

const base = (s: TestServer) => s.url.replace(/\/graphql$/, '');

async function get(path: string, headers: Record<string, string> = {}, s: TestServer = server) {
  const response = await fetch(`${base(s)}${path}`, { headers });
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text(), headers: response.headers };
}

async function exportText(db: TestDatabase, format: ExportFormat, batchSize = 500): Promise<string> {
  let text = '';
  for await (const chunk of exportChunks(db.sql, {}, format, { batchSize })) text += chunk;
  return text;
}

/** A small RFC 4180 reader: quoted fields, doubled quotes, CRLF records. Throws on anything else. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) throw new Error('unterminated quoted field');
        field += text.slice(i, quote);
        i = quote + 1;
        if (text[i] === '"') {
          field += '"';
          i += 1;
        } else break;
      }
    } else {
      const end = text.slice(i).search(/[,\r\n"]/);
      const stop = end < 0 ? text.length : i + end;
      if (text[stop] === '"') throw new Error(`a quote inside an unquoted field at ${stop}`);
      field = text.slice(i, stop);
      i = stop;
    }
    row.push(field);
    if (text[i] === ',') {
      i += 1;
      continue;
    }
    if (text.startsWith('\r\n', i)) {
      rows.push(row);
      row = [];
      i += 2;
      if (i >= text.length) return rows;
      continue;
    }
    throw new Error(`expected , or CRLF at ${i}, found ${JSON.stringify(text.slice(i, i + 10))}`);
  }
}

/** Splits a CSV list field as docs/export.md says: on ";" not escaped by "\". */
function splitList(field: string): string[] {
  if (field === '') return [];
  const items: string[] = [];
  let current = '';
  for (let i = 0; i < field.length; i++) {
    if (field[i] === '\\') current += field[++i] ?? '';
    else if (field[i] === ';') {
      items.push(current);
      current = '';
    } else current += field[i];
  }
  items.push(current);
  return items;
}

const RECORD_KEYS = ['schema', 'slug', 'title', 'summary', 'status', 'kind', 'importedFrom', 'occurred', 'disclosed', 'countries', 'actors', 'aiSystems', 'techniques', 'impact', 'citations', 'assessment'];

describe('JSONL', () => {
  it('writes one faultline.incident/1 record per live incident of the seed, with its citations, natural keys only and unknowns null', async () => {
    const text = await exportText(seedDb, 'jsonl');
    const records = text.trimEnd().split('\n').map((line) => JSON.parse(line) as IncidentRecord);
    const live = await seedDb.sql<{ slug: string; severity: string | null; citations: number }[]>`
      select i.slug, i.severity,
        (select count(distinct (c.report_id, c.claim, c.excerpt, c.locator))::int from citations c where c.incident_id = i.id) as citations
      from incidents i where i.merged_into_id is null order by i.slug collate "C"`;
    expect(records.map((r) => r.slug)).toEqual(live.map((row) => row.slug));
    expect(records.length).toBeGreaterThan(0);
    for (const [n, record] of records.entries()) {
      expect(Object.keys(record)).toEqual(RECORD_KEYS);
      expect(record.schema).toBe('faultline.incident/1');
      // Unknown stays null, never filled in: severity as the database has it, dates null exactly when unknown.
      expect(record.assessment.severity).toBe(live[n]!.severity);
      expect(record.assessment.assessedBy).toBe('Faultline');
      expect(record.occurred.start === null).toBe(record.occurred.precision === 'unknown');
      expect(record.disclosed.date === null).toBe(record.disclosed.precision === 'unknown');
      const citations = record.citations.length + (record.impact.records?.citations.length ?? 0) +
        (record.impact.bytes?.citations.length ?? 0) + record.impact.dataCategoriesCitations.length;
      expect(citations).toBe(live[n]!.citations);
      expect(record.citations.length).toBeGreaterThan(0);
      for (const c of record.citations) {
        expect(Object.keys(c)).toEqual(['report', 'excerpt', 'locator']);
        // The identity rule: a URL's report is known by its normalised URL, else by what is known of it.
        expect(c.report.urlKey === null).toBe(c.report.url === null);
        if (c.report.url === null) expect(c.report.publisher ?? c.report.describedAs).not.toBeNull();
      }
      // No database ids anywhere in the record.
      expect(JSON.stringify(record)).not.toMatch(/"(id|[a-z]+_id|[a-z]+Id)":/);
    }
    // A report the seed knows without an address is exported as such, not given one.
    expect(records.some((r) => r.citations.some((c) => c.report.url === null))).toBe(true);
  });

  it('gives the same bytes on every export, whatever the batch size', async () => {
    const first = await exportText(seedDb, 'jsonl', 500);
    expect(await exportText(seedDb, 'jsonl', 1)).toBe(first);
    expect(await exportText(seedDb, 'jsonl', 2)).toBe(first);
  });
});

describe('CSV', () => {
  it('parses back as RFC 4180 into the documented columns, one row per incident, lists as the JSONL has them', async () => {
    const text = await exportText(seedDb, 'csv');
    expect(text.endsWith('\r\n')).toBe(true);
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual(CSV_COLUMNS.map(([name]) => name));
    const records = (await exportText(seedDb, 'jsonl')).trimEnd().split('\n').map((line) => JSON.parse(line) as IncidentRecord);
    expect(rows).toHaveLength(records.length);
    const col = (row: string[], name: string) => row[CSV_COLUMNS.findIndex(([c]) => c === name)]!;
    for (const [n, row] of rows.entries()) {
      const record = records[n]!;
      expect(row).toHaveLength(CSV_COLUMNS.length);
      expect(col(row, 'slug')).toBe(record.slug);
      expect(col(row, 'title')).toBe(record.title);
      expect(col(row, 'summary')).toBe(record.summary);
      expect(col(row, 'severity')).toBe(record.assessment.severity ?? '');
      expect(splitList(col(row, 'actors'))).toEqual(record.actors.map((a) => `${a.slug}:${a.role}`));
      expect(splitList(col(row, 'techniques'))).toEqual(record.techniques);
      expect(splitList(col(row, 'data_categories'))).toEqual(record.impact.dataCategories);
      expect(col(row, 'records_affected')).toBe(record.impact.records?.value ?? '');
    }
  });
});

// The official schemas live in the shared data beside the repository, as the seed facts do (test/seed.test.ts):
// a clone without them skips this part and says why, rather than failing on a missing folder.
const stixSchemas = findStixSchemaDir();
describe.skipIf(stixSchemas === null)(`STIX 2.1${stixSchemas === null ? ' (skipped: set FAULTLINE_SHARED_DIR to the shared data)' : ''}`, () => {
  const validate = stixSchemas === null ? () => [] : stixValidator();

  function checkBundle(text: string) {
    const bundle = JSON.parse(text) as { type: string; id: string; objects: Array<Record<string, unknown>> };
    expect(bundle.type).toBe('bundle');
    expect(bundle.id).toMatch(/^bundle--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(bundle.objects.length).toBeGreaterThan(0);
    const problems = bundle.objects.flatMap((object) => validate(object));
    expect(problems.slice(0, 20)).toEqual([]);
    const ids = bundle.objects.map((o) => o.id as string);
    expect(new Set(ids).size).toBe(ids.length);
    // Every relationship joins two objects of the bundle.
    const present = new Set(ids);
    for (const r of bundle.objects.filter((o) => o.type === 'relationship')) {
      expect(present.has(r.source_ref as string) && present.has(r.target_ref as string)).toBe(true);
    }
    return bundle;
  }

  it('validates every object of the seed\'s bundle; techniques are ATLAS attack patterns; ids are the same on every export', async () => {
    const text = await exportText(seedDb, 'stix');
    const bundle = checkBundle(text);
    const types = new Set(bundle.objects.map((o) => o.type));
    for (const type of ['incident', 'identity', 'tool', 'attack-pattern', 'relationship']) expect(types).toContain(type);
    for (const pattern of bundle.objects.filter((o) => o.type === 'attack-pattern')) {
      const refs = pattern.external_references as Array<Record<string, string>>;
      expect(refs[0]).toMatchObject({ source_name: 'mitre-atlas', external_id: expect.stringMatching(/^AML\.TA?\d{4}/) });
    }
    // A criminal actor is a criminal, not an organised syndicate the sources never described.
    for (const actor of bundle.objects.filter((o) => o.type === 'threat-actor')) {
      expect(actor.threat_actor_types).toEqual([actor.x_faultline_kind === 'state_actor' ? 'nation-state' : 'criminal']);
    }
    const incidents = bundle.objects.filter((o) => o.type === 'incident');
    const slugs = await seedDb.sql<{ n: number }[]>`select count(*)::int as n from incidents where merged_into_id is null`;
    expect(incidents).toHaveLength(slugs[0]!.n);
    // Positions that cite an incident come as notes on it.
    const [{ n: cited }] = (await seedDb.sql<{ n: number }[]>`
      select count(*)::int as n from policy_position_incidents l join policy_positions p on p.id = l.position_id
      where p.retracted_at is null`) as unknown as [{ n: number }];
    expect(bundle.objects.some((o) => o.type === 'note')).toBe(cited > 0);
    expect(await exportText(seedDb, 'stix', 1)).toBe(text);
  });

  it('validates every object of a bundle of 1,000 synthetic incidents', async () => {
    const db = await createTestDatabase();
    try {
      await loadSynthetic(db.sql, { incidents: 1000, reports: 3000, positions: 300, seed: 11 });
      // The synthetic corpus links no position to an incident: link some (two incidents each), so notes are checked too.
      await db.sql`
        insert into policy_position_incidents (position_id, incident_id)
        select p.id, i.id from (select id, row_number() over (order by id) as n from policy_positions limit 100) p
        join (select id, row_number() over (order by id) as n from incidents) i on i.n in (p.n * 3, p.n * 3 + 1)`;
      const bundle = checkBundle(await exportText(db, 'stix', 250));
      expect(bundle.objects.filter((o) => o.type === 'incident')).toHaveLength(1000);
      const notes = bundle.objects.filter((o) => o.type === 'note');
      expect(notes).toHaveLength(100);
      for (const note of notes) expect((note.object_refs as string[]).filter((ref) => ref.startsWith('incident--'))).toHaveLength(2);
    } finally {
      await db.drop();
    }
  });
});

describe('the streamed source', () => {
  it('costs the same statements per batch whatever the batch size', async () => {
    const counted: string[] = [];
    // postgres.js reads pg_catalog's types once per new connection: not the export's statements.
    const sql = createSql(seedDb.url, { max: 5, onQuery: (query) => (query.includes('pg_catalog.pg_type') ? undefined : counted.push(query)) });
    try {
      const [{ n }] = (await sql<{ n: number }[]>`select count(*)::int as n from incidents where merged_into_id is null`) as unknown as [{ n: number }];
      counted.length = 0;
      for (const size of [1, n]) {
        counted.length = 0;
        let batches = 0;
        for await (const batch of exportBatches(sql, {}, { batchSize: size, positions: true })) batches += batch.length > 0 ? 1 : 0;
        // A full last batch costs one more (empty) read of incidents to learn that nothing follows.
        expect(counted.length).toBeLessThanOrEqual(batches * statementsPerBatch(true) + 1);
        expect(counted.length).toBeGreaterThanOrEqual(batches * statementsPerBatch(true));
      }
    } finally {
      await sql.end();
    }
  });
});

describe('routes', () => {
  it('serve each export with its media type, filtered like `incidents`', async () => {
    const csv = await get('/export/incidents.csv');
    expect(csv.status).toBe(200);
    expect(csv.type).toMatch(/^text\/csv; charset=utf-8/);
    expect(csv.headers.get('x-content-type-options')).toBe('nosniff');
    const jsonl = await get('/export/incidents.jsonl?status=confirmed,disrupted');
    expect(jsonl.type).toMatch(/^application\/jsonl/);
    const statuses = jsonl.body.trimEnd().split('\n').filter(Boolean).map((line) => (JSON.parse(line) as IncidentRecord).status);
    const [{ n }] = (await seedDb.sql<{ n: number }[]>`
      select count(*)::int as n from incidents where merged_into_id is null and status in ('confirmed', 'disrupted')`) as unknown as [{ n: number }];
    expect(statuses).toHaveLength(n);
    expect(new Set(statuses).size).toBeLessThanOrEqual(2);
    for (const status of statuses) expect(['confirmed', 'disrupted']).toContain(status);
    const stix = await get('/export/bundle.stix.json?country=ZZ');
    expect(stix.type).toMatch(/^application\/stix\+json/);
    expect(JSON.parse(stix.body)).not.toHaveProperty('objects');
  });

  it('filter by actor slug the way the `incidents` actor filter does', async () => {
    const [actor] = await seedDb.sql<{ slug: string; n: number }[]>`
      select a.slug, count(distinct l.incident_id)::int as n from actors a join incident_actors l on l.actor_id = a.id
      group by a.slug order by count(*) desc, a.slug limit 1`;
    const body = (await get(`/export/incidents.jsonl?actor=${actor!.slug}`)).body;
    const records = body.trimEnd().split('\n').map((line) => JSON.parse(line) as IncidentRecord);
    expect(records).toHaveLength(actor!.n);
    for (const r of records) expect(r.actors.map((a) => a.slug)).toContain(actor!.slug);
  });

  it('answer a bad or unknown parameter with 400 naming it', async () => {
    for (const [query, parameter] of [
      ['status=bogus', 'status'],
      ['severityAtLeast=huge', 'severityAtLeast'],
      ['country=Mexico', 'country'],
      ['occurredFrom=2025-02-30', 'occurredFrom'],
      ['actor=nobody-at-all', 'actor'],
      ['technique=T1000', 'technique'],
      ['colour=red', 'colour'],
    ] as const) {
      const response = await get(`/export/incidents.csv?${query}`);
      expect(response.status, query).toBe(400);
      const body = JSON.parse(response.body) as { errors: Array<{ message: string; extensions: { parameter: string } }> };
      expect(body.errors[0]!.extensions.parameter).toBe(parameter);
      expect(body.errors[0]!.message).toContain(parameter);
    }
    const feed = await get('/feeds/incidents.atom?changes=exploded');
    expect(feed.status).toBe(400);
    expect(feed.body).toContain('changes');
  });

  it('require a reader key where REQUIRE_READ_KEY is set, as GraphQL reads do', async () => {
    for (const path of ['/export/incidents.jsonl', '/export/bundle.stix.json', '/feeds/reports.atom']) {
      expect((await get(path, {}, guarded)).status).toBe(401);
      expect((await get(path, { authorization: 'Bearer fl_not_a_real_key' }, guarded)).status).toBe(401);
      expect((await get(path, { authorization: `Bearer ${readerKey}` }, guarded)).status).toBe(200);
    }
    expect((await get('/export/incidents.jsonl')).status).toBe(200);
  });
});

describe('Atom feeds', () => {
  it('parse with a real feed parser, with an id, title and date on every entry, ids stable between fetches', async () => {
    for (const feed of ['reports', 'incidents', 'positions']) {
      const first = await get(`/feeds/${feed}.atom`);
      expect(first.status).toBe(200);
      expect(first.type).toMatch(/^application\/atom\+xml/);
      const parsed = parseAtomFeed(first.body);
      expect(parsed.id).toMatch(/^tag:/);
      expect(parsed.title).toBeTruthy();
      expect(parsed.updated).toBeTruthy();
      const entries = parsed.entries ?? [];
      expect(entries.length, feed).toBeGreaterThan(0);
      for (const entry of entries) {
        expect(entry.id).toMatch(/^tag:faultline\.dev,2026:/);
        expect(entry.title).toBeTruthy();
        expect(entry.updated).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      }
      expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
      const again = parseAtomFeed((await get(`/feeds/${feed}.atom`)).body);
      expect((again.entries ?? []).map((e) => e.id)).toEqual(entries.map((e) => e.id));
    }
  });

  it('filter like their subscriptions', async () => {
    const all = parseAtomFeed((await get('/feeds/incidents.atom?limit=200')).body).entries ?? [];
    const none = parseAtomFeed((await get('/feeds/incidents.atom?country=ZZ')).body).entries ?? [];
    expect(all.length).toBeGreaterThan(0);
    expect(none).toHaveLength(0);
    const limited = parseAtomFeed((await get('/feeds/incidents.atom?limit=1')).body).entries ?? [];
    expect(limited.map((e) => e.id)).toEqual(all.slice(0, 1).map((e) => e.id));
  });

  it('narrow positions and actions to one actor, and reports to a country, as the subscriptions do', async () => {
    const [actor] = await seedDb.sql<{ slug: string; name: string; n: number }[]>`
      select a.slug, a.name, count(*)::int as n from policy_positions p join actors a on a.id = p.actor_id
      group by a.slug, a.name order by count(*) desc, a.slug limit 1`;
    const everyone = parseAtomFeed((await get('/feeds/positions.atom?limit=200')).body).entries ?? [];
    const one = parseAtomFeed((await get(`/feeds/positions.atom?limit=200&actor=${actor!.slug}`)).body).entries ?? [];
    expect(one.length).toBeGreaterThan(0);
    expect(one.length).toBeLessThan(everyone.length);
    for (const entry of one) expect(entry.id).toContain(`/${actor!.slug}/`);
    const positionsOnly = parseAtomFeed((await get('/feeds/positions.atom?limit=200&stance=supports,opposes,conditional,neutral,unclear')).body).entries ?? [];
    for (const entry of positionsOnly) expect(entry.id).toMatch(/:position\//);
    const [country] = await seedDb.sql<{ code: string; n: number }[]>`
      select c.code, count(*)::int as n from events e, jsonb_array_elements_text(e.attributes->'countries') c(code)
      where e.kind = 'report_added' group by c.code order by count(*), c.code limit 1`;
    const [{ n: reports }] = (await seedDb.sql<{ n: number }[]>`
      select count(*)::int as n from events where kind = 'report_added'`) as unknown as [{ n: number }];
    expect(country!.n).toBeGreaterThan(0);
    expect(country!.n).toBeLessThan(reports);
    const inCountry = parseAtomFeed((await get(`/feeds/reports.atom?limit=200&country=${country!.code}`)).body).entries ?? [];
    expect(inCountry.filter((e) => e.id?.includes('/report_added/'))).toHaveLength(Math.min(country!.n, 200));
  });
});

describe('npm run export', () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: seedDb.url };
      delete env.LOG_LEVEL;
      execFile(path.join(root, 'node_modules', '.bin', 'tsx'), ['src/cli/export.ts', ...args], { cwd: root, env, timeout: 60_000 }, (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(new Error(`export did not finish: ${error.message}; ${stderr}`));
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      });
    });

  it('writes the same file the route serves, and refuses a bad filter naming it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'faultline-export-'));
    try {
      const out = path.join(dir, 'confirmed.jsonl');
      const done = await run(['--format', 'jsonl', '--out', out, '--status', 'confirmed']);
      expect(done.stderr).toBe('');
      expect(done.code).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe((await get('/export/incidents.jsonl?status=confirmed')).body);
      const bad = await run(['--format', 'csv', '--out', out, '--severityAtLeast', 'apocalyptic']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('severityAtLeast');
      const noFormat = await run(['--out', out]);
      expect(noFormat.code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
