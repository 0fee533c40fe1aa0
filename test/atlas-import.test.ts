import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../src/db/index.js';
import { parseAtlas } from '../src/data/atlas.js';
import { atlasIncidentSlug, importAtlas } from '../src/data/atlas-import.js';
import { loadSeed } from '../src/data/seed.js';
import { readEventsAfter } from '../src/data/event-log.js';
import { incidentsOfAiSystems } from '../src/data/incidents.js';
import { MAX_PAGE_SIZE } from '../src/data/pagination.js';
import { findSharedPath } from './helpers/shared-data.js';
import { createTestDatabase } from './helpers/database.js';

// A tiny file in the shape of MITRE ATLAS's ATLAS.yaml: the real one lives outside the repository, and a
// user's clone must be able to run the tests without it. The descriptions and summary hold a marker that
// must never reach the database.
const PROSE = 'PROSE-THAT-MUST-NOT-BE-STORED';
// The real release, when the shared data is there (a user's clone has none).
const REAL_ATLAS = findSharedPath('data/atlas/ATLAS.yaml') ?? '';
const ATLAS_YAML = `
id: ATLAS
name: Adversarial Threat Landscape for AI Systems
version: 9.9.9
matrices:
- id: ATLAS
  name: ATLAS Matrix
  tactics:
  - id: AML.TA0002
    name: Reconnaissance
    object-type: tactic
    description: ${PROSE}
  - id: AML.TA0007
    name: Defense Evasion
    object-type: tactic
    description: ${PROSE}
  techniques:
  - id: AML.T0000
    name: Search Open Technical Databases
    object-type: technique
    description: ${PROSE}
    tactics:
    - AML.TA0002
  - id: AML.T0000.001
    name: Pre-Print Repositories
    object-type: technique
    subtechnique-of: AML.T0000
    description: ${PROSE}
  - id: AML.T0054
    name: LLM Jailbreak
    object-type: technique
    description: ${PROSE}
    tactics:
    - AML.TA0007
case-studies:
- id: AML.CS0001
  name: Jailbroken assistant leaks data
  object-type: case-study
  summary: ${PROSE}
  incident-date: 2024-06-17
  incident-date-granularity: MONTH
  procedure:
  - tactic: AML.TA0002
    technique: AML.T0000.001
    description: ${PROSE}
  - tactic: AML.TA0007
    technique: AML.T0054
    description: ${PROSE}
  - tactic: AML.TA0007
    technique: AML.T0999
    description: a step whose technique is not in the taxonomy
  target: A customer-service chatbot
  actor: Unknown
  case-study-type: incident
  references:
  - title: Write-up of the leak
    url: https://Example.COM/research/leak/?utm_source=feed#details
  - title: A citation without a link
    url: null
- id: AML.CS0002
  name: Red team searches pre-prints
  object-type: case-study
  summary: ${PROSE}
  incident-date: 2023-03-05
  incident-date-granularity: YEAR
  procedure:
  - tactic: AML.TA0002
    technique: AML.T0000
    description: ${PROSE}
  case-study-type: exercise
`;

let sql: Sql;
let drop: () => Promise<void>;
let dir: string;
let file: string;

beforeAll(async () => {
  const database = await createTestDatabase();
  sql = database.sql;
  drop = database.drop;
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'faultline-atlas-'));
  file = path.join(dir, 'ATLAS.yaml');
  await fs.writeFile(file, ATLAS_YAML);
});

afterAll(async () => {
  await drop?.();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

async function importFile(text?: string) {
  if (text !== undefined) await fs.writeFile(file, text);
  return importAtlas(sql, parseAtlas(await fs.readFile(file, 'utf8')));
}

async function counts(db: Sql = sql) {
  const [row] = await db<Record<string, number>[]>`
    select
      (select count(*)::int from actors) as actors,
      (select count(*)::int from ai_systems) as "aiSystems",
      (select count(*)::int from incident_actors) as "actorLinks",
      (select count(*)::int from incident_ai_systems) as "aiSystemLinks",
      (select count(*)::int from events) as events,
      (select count(*)::int from techniques) as techniques,
      (select count(*)::int from incidents) as incidents,
      (select count(*)::int from reports) as reports,
      (select count(*)::int from incident_techniques) as links,
      (select count(*)::int from incident_reports) as "reportLinks"
  `;
  return row;
}

describe('importAtlas', () => {
  it('imports techniques, case studies as incidents, and linked references as reports', async () => {
    const summary = await importFile();
    expect(summary).toEqual({
      techniques: { total: 5, inserted: 5, updated: 0 },
      incidents: { total: 2, inserted: 2, updated: 0 },
      // "Unknown" names no actor; the chatbot is new; the exercise names neither.
      actors: { matched: 0, created: 0 },
      aiSystems: { matched: 0, created: 1 },
      reports: { total: 1, inserted: 1 },
      links: { techniques: 3, reports: 1 },
      skippedReferences: [],
    });

    const techniques = await sql<{ id: string; name: string; kind: string; parent_id: string | null; tactic_ids: string[] }[]>`
      select id, name, kind, parent_id, tactic_ids from techniques order by id
    `;
    expect(techniques.map((t) => ({ ...t }))).toEqual([
      { id: 'AML.T0000', name: 'Search Open Technical Databases', kind: 'technique', parent_id: null, tactic_ids: ['AML.TA0002'] },
      // A subtechnique serves its parent's tactics.
      { id: 'AML.T0000.001', name: 'Pre-Print Repositories', kind: 'subtechnique', parent_id: 'AML.T0000', tactic_ids: ['AML.TA0002'] },
      { id: 'AML.T0054', name: 'LLM Jailbreak', kind: 'technique', parent_id: null, tactic_ids: ['AML.TA0007'] },
      { id: 'AML.TA0002', name: 'Reconnaissance', kind: 'tactic', parent_id: null, tactic_ids: [] },
      { id: 'AML.TA0007', name: 'Defense Evasion', kind: 'tactic', parent_id: null, tactic_ids: [] },
    ]);

    const incidents = await sql<{ slug: string; title: string; summary: string; status: string; severity: string; occurred_start: string; occurred_precision: string; techniques: string[] }[]>`
      select i.slug, i.title, i.summary, i.status, i.severity, i.occurred_start, i.occurred_precision,
        array(select technique_id from incident_techniques x where x.incident_id = i.id order by technique_id) as techniques
      from incidents i
      order by i.slug
    `;
    expect(incidents.map((i) => ({ ...i, summary: undefined }))).toEqual([
      {
        slug: 'atlas-aml-cs0001',
        title: 'Jailbroken assistant leaks data',
        summary: undefined,
        status: 'confirmed',
        severity: null,
        // MONTH granularity: the first day of the month, not the day the file gives.
        occurred_start: '2024-06-01',
        occurred_precision: 'month',
        techniques: ['AML.T0000.001', 'AML.T0054'],
      },
      {
        slug: 'atlas-aml-cs0002',
        title: 'Red team searches pre-prints',
        summary: undefined,
        status: 'reported',
        severity: null,
        occurred_start: '2023-01-01',
        occurred_precision: 'year',
        techniques: ['AML.T0000'],
      },
    ]);
    expect(incidents[0]!.summary).toContain('AML.CS0001');

    const reports = await sql<{ url: string; url_key: string; publisher: string; title: string; language: string; published_precision: string; incident: string }[]>`
      select r.url, r.url_key, r.publisher, r.title, r.language, r.published_precision, i.slug as incident
      from reports r
      join incident_reports x on x.report_id = r.id
      join incidents i on i.id = x.incident_id
    `;
    expect(reports.map((r) => ({ ...r }))).toEqual([
      {
        // Stored as written, less its tracking parameter.
        url: 'https://Example.COM/research/leak/#details',
        url_key: 'https://example.com/research/leak',
        publisher: 'example.com',
        title: 'Write-up of the leak',
        language: 'en',
        published_precision: 'unknown',
        incident: 'atlas-aml-cs0001',
      },
    ]);
  });

  it('stores none of the file prose', async () => {
    const [row] = await sql<{ n: number }[]>`
      select (
        (select count(*) from incidents where summary like ${'%' + PROSE + '%'} or title like ${'%' + PROSE + '%'})
        + (select count(*) from techniques where name like ${'%' + PROSE + '%'})
        + (select count(*) from reports where summary like ${'%' + PROSE + '%'})
      )::int as n
    `;
    expect(row!.n).toBe(0);
  });

  it('changes nothing when the same file is imported again', async () => {
    const before = await counts();
    const summary = await importFile();
    expect(summary).toMatchObject({
      techniques: { inserted: 0, updated: 0 },
      incidents: { inserted: 0, updated: 0 },
      actors: { created: 0 },
      aiSystems: { created: 0 },
      reports: { inserted: 0 },
      links: { techniques: 0, reports: 0 },
    });
    expect(await counts()).toEqual(before);
    const versions = await sql<{ version: number }[]>`select version from incidents`;
    expect(versions.every((v) => v.version === 1)).toBe(true);
  });

  it('updates what changed in a newer file, keeping curated fields and never duplicating', async () => {
    // An editor raised the severity of the imported incident meanwhile.
    await sql`update incidents set severity = 'high' where slug = 'atlas-aml-cs0001'`;
    const before = await counts();

    const summary = await importFile(
      ATLAS_YAML.replace('name: Jailbroken assistant leaks data', 'name: Jailbroken assistant leaks customer data').replace(
        'name: LLM Jailbreak',
        'name: LLM Jailbreaking',
      ),
    );
    expect(summary).toMatchObject({
      techniques: { inserted: 0, updated: 1 },
      incidents: { inserted: 0, updated: 1 },
      reports: { inserted: 0 },
    });
    // The changed incident is announced; nothing else changes.
    expect(await counts()).toEqual({ ...before, events: before!.events! + 1 });

    const [incident] = await sql<{ title: string; severity: string; version: number }[]>`
      select title, severity, version from incidents where slug = 'atlas-aml-cs0001'
    `;
    expect(incident).toEqual({ title: 'Jailbroken assistant leaks customer data', severity: 'high', version: 2 });
    const [technique] = await sql<{ name: string }[]>`select name from techniques where id = 'AML.T0054'`;
    expect(technique!.name).toBe('LLM Jailbreaking');
  });

  it('links a reference to a report already on record instead of adding a second one', async () => {
    await sql`
      insert into reports (url, url_key, publisher, title, language)
      values ('https://news.example.org/story', 'https://news.example.org/story', 'Example News', 'Curated title', 'en')
    `;
    const summary = await importFile(
      ATLAS_YAML.replace(
        '  - title: A citation without a link',
        '  - title: Same story, tracked link\n    url: https://NEWS.example.org/story/?fbclid=abc\n  - title: A citation without a link',
      ),
    );
    expect(summary.reports).toEqual({ total: 2, inserted: 0 });
    expect(summary.links.reports).toBe(1);
    const rows = await sql<{ title: string; incidents: number }[]>`
      select r.title, (select count(*)::int from incident_reports x where x.report_id = r.id) as incidents
      from reports r
      where r.url_key = 'https://news.example.org/story'
    `;
    expect(rows.map((r) => ({ ...r }))).toEqual([{ title: 'Curated title', incidents: 1 }]);
  });

  it('rejects a file that is not ATLAS data with a message naming the problem', () => {
    expect(() => parseAtlas('name: something else\n')).toThrow(/version/);
    expect(() => parseAtlas(ATLAS_YAML.replace('subtechnique-of: AML.T0000', 'subtechnique-of: AML.T0042'))).toThrow(
      /AML\.T0000\.001.*AML\.T0042/,
    );
    expect(() => parseAtlas(ATLAS_YAML.replace('incident-date-granularity: YEAR', 'incident-date-granularity: WEEK'))).toThrow(
      /AML\.CS0002.*granularity/,
    );
  });
});

// Case studies naming parties: a target that is an AI system on record under its developer's name, an actor
// on record under an alias, and names nobody has recorded yet.
const PARTIES_YAML = `
id: ATLAS
name: Adversarial Threat Landscape for AI Systems
version: 9.9.9
matrices:
- id: ATLAS
  name: ATLAS Matrix
  tactics: []
  techniques: []
case-studies:
- id: AML.CS0100
  name: Distillation campaign against a chatbot
  object-type: case-study
  summary: x
  incident-date: 2025-02-01
  incident-date-granularity: MONTH
  procedure: []
  target: Anthropic Claude
  actor: OpenAI
  case-study-type: incident
- id: AML.CS0101
  name: Researchers inject prompts into a new assistant
  object-type: case-study
  summary: x
  incident-date: 2024-01-01
  incident-date-granularity: YEAR
  procedure: []
  target: Brand New Assistant
  actor: Embrace the Red
  case-study-type: exercise
- id: AML.CS0102
  name: Same researchers, other spelling
  object-type: case-study
  summary: x
  incident-date: 2024-01-01
  incident-date-granularity: YEAR
  procedure: []
  target: brand new assistant
  actor: Embrace The Red
  case-study-type: exercise
`;

describe('importAtlas with the seed: parties, kinds and events', () => {
  let seeded: Sql;
  let dropSeeded: () => Promise<void>;

  beforeAll(async () => {
    const database = await createTestDatabase();
    seeded = database.sql;
    dropSeeded = database.drop;
    await loadSeed(seeded);
  });
  afterAll(async () => {
    await dropSeeded?.();
  });

  async function claudeIncidentSlugs(): Promise<string[]> {
    const [claude] = await seeded<{ id: string }[]>`select id::text as id from ai_systems where slug = 'claude'`;
    // The largest page the data layer writes into SQL (pageLimit); fewer rows than that means none was cut off.
    const [rows] = await incidentsOfAiSystems(seeded, [claude!.id], { limit: MAX_PAGE_SIZE + 1, inverted: false });
    expect(rows!.length).toBeLessThan(MAX_PAGE_SIZE + 1);
    return (rows ?? []).map((row) => row.slug);
  }

  it('links the target to the AI system on record, the actor by name, and creates the rest marked as from ATLAS', async () => {
    const [before] = await seeded<{ id: string }[]>`select coalesce(max(id), 0)::text as id from events`;
    const summary = await importAtlas(seeded, parseAtlas(PARTIES_YAML));
    // OpenAI is in the seed; Claude is found as "Anthropic Claude"; the researcher and the assistant are new,
    // one record each whatever the spelling's case.
    expect(summary.actors).toEqual({ matched: 1, created: 1 });
    expect(summary.aiSystems).toEqual({ matched: 1, created: 1 });

    expect(await claudeIncidentSlugs()).toContain('atlas-aml-cs0100');
    const links = await seeded<{ slug: string; system: string; role: string; imported: string | null; developer: string | null }[]>`
      select i.slug, s.slug as system, x.role, s.imported_from as imported, s.developer_id::text as developer
      from incident_ai_systems x join incidents i on i.id = x.incident_id join ai_systems s on s.id = x.ai_system_id
      where i.slug like 'atlas-%' order by i.slug
    `;
    expect(links.map((row) => ({ ...row }))).toEqual([
      { slug: 'atlas-aml-cs0100', system: 'claude', role: 'target', imported: null, developer: expect.any(String) },
      { slug: 'atlas-aml-cs0101', system: 'atlas-brand-new-assistant', role: 'target', imported: 'mitre_atlas', developer: null },
      { slug: 'atlas-aml-cs0102', system: 'atlas-brand-new-assistant', role: 'target', imported: 'mitre_atlas', developer: null },
    ]);
    const actors = await seeded<{ slug: string; actor: string; role: string; kind: string; imported: string | null }[]>`
      select i.slug, a.slug as actor, x.role, a.kind, a.imported_from as imported
      from incident_actors x join incidents i on i.id = x.incident_id join actors a on a.id = x.actor_id
      where i.slug like 'atlas-%' order by i.slug
    `;
    expect(actors.map((row) => ({ ...row }))).toEqual([
      { slug: 'atlas-aml-cs0100', actor: 'openai', role: 'attacker', kind: 'ai_developer', imported: null },
      { slug: 'atlas-aml-cs0101', actor: 'atlas-embrace-the-red', role: 'researcher', kind: 'other', imported: 'mitre_atlas' },
      { slug: 'atlas-aml-cs0102', actor: 'atlas-embrace-the-red', role: 'researcher', kind: 'other', imported: 'mitre_atlas' },
    ]);

    const incidents = await seeded<{ slug: string; kind: string; severity: string | null; imported: string }[]>`
      select slug, kind, severity, imported_from as imported from incidents where slug like 'atlas-%' order by slug
    `;
    expect(incidents.map((row) => ({ ...row }))).toEqual([
      { slug: 'atlas-aml-cs0100', kind: 'incident', severity: null, imported: 'mitre_atlas' },
      { slug: 'atlas-aml-cs0101', kind: 'exercise', severity: null, imported: 'mitre_atlas' },
      { slug: 'atlas-aml-cs0102', kind: 'exercise', severity: null, imported: 'mitre_atlas' },
    ]);

    // The log announces each incident it created, with the links in its snapshot.
    const events = await readEventsAfter(seeded, { xact: 0n, id: 0n }, 1000);
    const created = events.filter((event) => BigInt(event.id) > BigInt(before!.id) && event.kind === 'incident_created');
    expect(created).toHaveLength(3);
    const [snapshotRow] = await seeded<{ snapshot: { slug: string; kind: string } }[]>`
      select snapshot from events where id = ${created[0]!.id}
    `;
    expect(snapshotRow!.snapshot).toMatchObject({ slug: 'atlas-aml-cs0100', kind: 'incident' });
  });

  it('changes nothing, and announces nothing, when imported again', async () => {
    const before = await counts(seeded);
    await importAtlas(seeded, parseAtlas(PARTIES_YAML));
    expect(await counts(seeded)).toEqual(before);
  });

  it.skipIf(REAL_ATLAS === '')('imports the real ATLAS release faithfully', async () => {
    const atlas = parseAtlas(await fs.readFile(REAL_ATLAS, 'utf8'));
    await importAtlas(seeded, atlas);
    const target = atlas.caseStudies.find((study) => study.target === 'Anthropic Claude');
    expect(target).toBeDefined();
    expect(await claudeIncidentSlugs()).toContain(atlasIncidentSlug(target!.id));
    const rows = await seeded<{ slug: string; kind: string; severity: string | null }[]>`
      select slug, kind, severity from incidents where slug ~ '^atlas-aml-cs[0-9]{4}$' and slug <> all(${['atlas-aml-cs0100', 'atlas-aml-cs0101', 'atlas-aml-cs0102']})
    `;
    expect(rows).toHaveLength(atlas.caseStudies.length);
    expect(rows.filter((row) => row.severity !== null)).toEqual([]);
    const exercises = atlas.caseStudies.filter((study) => study.type === 'exercise').map((study) => atlasIncidentSlug(study.id)).sort();
    expect(rows.filter((row) => row.kind === 'exercise').map((row) => row.slug).sort()).toEqual(exercises);
    const before = await counts(seeded);
    await importAtlas(seeded, atlas);
    expect(await counts(seeded)).toEqual(before);
  });
});
