// What ATLAS brings in survives an export and a re-import: an exercise stays an exercise, what an importer
// created stays marked as from MITRE ATLAS, and an AI system ATLAS names without a developer is exported
// (with a null developer) rather than dropped. A small ATLAS-shaped file always runs; the real release runs
// too when the shared data is beside the repository (a user's clone has none, and skips it saying why).
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { Sql } from '../src/db/index.js';
import { parseAtlas, type AtlasData } from '../src/data/atlas.js';
import { importAtlas } from '../src/data/atlas-import.js';
import { loadSeed, loadTechniques } from '../src/data/seed.js';
import { CSV_COLUMNS } from '../src/export/csv.js';
import { exportChunks, type ExportFormat } from '../src/export/formats.js';
import type { IncidentRecord } from '../src/export/record.js';
import { importJsonl } from '../src/import/jsonl.js';
import { findSharedPath } from './helpers/shared-data.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { findStixSchemaDir, stixValidator } from './helpers/stix.js';

const REAL_ATLAS = findSharedPath('data/atlas/ATLAS.yaml') ?? '';

// An attack on a system on record (the seed's Claude, by its developer's name), and a researchers' exercise
// against a system and by a party nobody has recorded: both are created, marked as from ATLAS, the system
// with no developer.
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
    description: x
  techniques:
  - id: AML.T0000
    name: Search Open Technical Databases
    object-type: technique
    description: x
    tactics:
    - AML.TA0002
case-studies:
- id: AML.CS0100
  name: Distillation campaign against a chatbot
  object-type: case-study
  summary: x
  incident-date: 2025-02-01
  incident-date-granularity: MONTH
  procedure:
  - tactic: AML.TA0002
    technique: AML.T0000
    description: x
  target: Anthropic Claude
  actor: OpenAI
  case-study-type: incident
  references:
  - title: Write-up of the campaign
    url: https://example.com/research/distillation
- id: AML.CS0101
  name: Researchers inject prompts into a new assistant
  object-type: case-study
  summary: x
  incident-date: 2024-01-01
  incident-date-granularity: YEAR
  procedure:
  - tactic: AML.TA0002
    technique: AML.T0000
    description: x
  target: Brand New Assistant
  actor: Embrace the Red
  case-study-type: exercise
  references:
  - title: The researchers' post
    url: https://example.org/posts/new-assistant
`;

const databases: TestDatabase[] = [];

afterAll(async () => {
  for (const db of databases) await db.drop();
});

async function database(): Promise<Sql> {
  const db = await createTestDatabase();
  databases.push(db);
  return db.sql;
}

async function exportText(sql: Sql, format: ExportFormat): Promise<string> {
  let text = '';
  for await (const chunk of exportChunks(sql, {}, format)) text += chunk;
  return text;
}

/**
 * The seed and `atlas` in one database, exported to JSONL and imported into an empty one that knows the
 * same taxonomy (ATLAS's techniques only). Returns both databases and the first export.
 */
async function roundTrip(atlas: AtlasData) {
  const source = await database();
  await loadSeed(source);
  await importAtlas(source, atlas);
  const exported = await exportText(source, 'jsonl');
  const target = await database();
  await importAtlas(target, { ...atlas, caseStudies: [] });
  // The seed's incidents name techniques the seed's taxonomy has; load it too (it is the same ids, and more).
  await loadTechniques(target);
  const summary = await importJsonl(target, Readable.from([exported]), { batchSize: 16 });
  return { source, target, exported, summary };
}

const records = (text: string): IncidentRecord[] => text.trimEnd().split('\n').map((line) => JSON.parse(line) as IncidentRecord);

describe('an ATLAS-shaped file, exported and imported again', () => {
  let trip: Awaited<ReturnType<typeof roundTrip>>;

  it('exports the exercise as one, marked as from ATLAS, with its developer-less target', async () => {
    trip = await roundTrip(parseAtlas(ATLAS_YAML));
    const byslug = new Map(records(trip.exported).map((r) => [r.slug, r]));
    const exercise = byslug.get('atlas-aml-cs0101');
    expect(exercise).toBeDefined();
    expect(exercise!.kind).toBe('exercise');
    expect(exercise!.importedFrom).toBe('mitre_atlas');
    expect(exercise!.aiSystems).toEqual([
      { slug: 'atlas-brand-new-assistant', name: 'Brand New Assistant', kind: expect.any(String), description: null, developer: null, importedFrom: 'mitre_atlas', parent: null, role: 'target', usage: expect.any(String) },
    ]);
    expect(exercise!.actors.map((a) => ({ slug: a.slug, importedFrom: a.importedFrom, role: a.role }))).toEqual([
      { slug: 'atlas-embrace-the-red', importedFrom: 'mitre_atlas', role: 'researcher' },
    ]);
    const attack = byslug.get('atlas-aml-cs0100');
    expect(attack!.kind).toBe('incident');
    expect(attack!.importedFrom).toBe('mitre_atlas');
    // Claude and OpenAI are the seed's own records, not ATLAS's.
    expect(attack!.aiSystems.map((s) => [s.slug, s.importedFrom, s.developer?.slug ?? null, s.role])).toEqual([['claude', null, 'anthropic', 'target']]);
    // The seed's incidents are real and curated.
    for (const record of byslug.values()) if (!record.slug.startsWith('atlas-')) expect([record.kind, record.importedFrom]).toEqual(['incident', null]);
  });

  it('imports every line, and exports again the same bytes', async () => {
    expect(trip.summary.rejected).toEqual([]);
    expect(trip.summary.accepted).toBe(records(trip.exported).length);
    expect(await exportText(trip.target, 'jsonl')).toBe(trip.exported);
  });

  it('keeps the exercise an exercise, and what ATLAS created marked so, in the new database', async () => {
    const incidents = await trip.target<{ slug: string; kind: string; imported: string | null }[]>`
      select slug, kind, imported_from as imported from incidents where slug like 'atlas-%' order by slug`;
    expect(incidents.map((row) => ({ ...row }))).toEqual([
      { slug: 'atlas-aml-cs0100', kind: 'incident', imported: 'mitre_atlas' },
      { slug: 'atlas-aml-cs0101', kind: 'exercise', imported: 'mitre_atlas' },
    ]);
    const systems = await trip.target<{ slug: string; developer: string | null; imported: string | null }[]>`
      select s.slug, d.slug as developer, s.imported_from as imported
      from ai_systems s left join actors d on d.id = s.developer_id where s.slug in ('atlas-brand-new-assistant', 'claude') order by s.slug`;
    expect(systems.map((row) => ({ ...row }))).toEqual([
      { slug: 'atlas-brand-new-assistant', developer: null, imported: 'mitre_atlas' },
      { slug: 'claude', developer: 'anthropic', imported: null },
    ]);
    const [actor] = await trip.target<{ imported: string | null }[]>`select imported_from as imported from actors where slug = 'atlas-embrace-the-red'`;
    expect(actor?.imported).toBe('mitre_atlas');
  });

  it('says so in the CSV too', async () => {
    const line = (await exportText(trip.target, 'csv')).split('\r\n').find((text) => text.startsWith('atlas-aml-cs0101,'))!;
    // One RFC 4180 record (this one holds no line break): quoted fields with doubled quotes, or plain ones.
    const exercise = [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => m[1]!.replace(/^"|"$/g, '').replace(/""/g, '"'));
    expect(exercise).toHaveLength(CSV_COLUMNS.length);
    const col = (name: string) => CSV_COLUMNS.findIndex(([c]) => c === name);
    expect(exercise?.[col('kind')]).toBe('exercise');
    expect(exercise?.[col('imported_from')]).toBe('mitre_atlas');
    expect(exercise?.[col('ai_systems')]).toBe('atlas-brand-new-assistant:target');
  });

  const schemas = findStixSchemaDir();
  it.skipIf(schemas === null)(`says so in a valid STIX bundle: a labelled incident that targets a tool with no developer${schemas === null ? ' (skipped: STIX schemas not found)' : ''}`, async () => {
    const validate = stixValidator();
    const bundle = JSON.parse(await exportText(trip.target, 'stix')) as { objects: Array<Record<string, unknown>> };
    expect(bundle.objects.flatMap((object) => validate(object)).slice(0, 20)).toEqual([]);
    const incident = bundle.objects.find((o) => o.type === 'incident' && o.x_faultline_slug === 'atlas-aml-cs0101')!;
    expect(incident).toMatchObject({ labels: ['exercise'], x_faultline_kind: 'exercise', x_faultline_imported_from: 'mitre_atlas' });
    const tool = bundle.objects.find((o) => o.type === 'tool' && o.x_faultline_slug === 'atlas-brand-new-assistant')!;
    expect(tool.x_faultline_developer).toBeUndefined();
    expect(tool.x_faultline_imported_from).toBe('mitre_atlas');
    const link = bundle.objects.find((o) => o.type === 'relationship' && o.source_ref === incident.id && o.target_ref === tool.id);
    expect(link).toMatchObject({ relationship_type: 'targets', x_faultline_role: 'target' });
    const real = bundle.objects.find((o) => o.type === 'incident' && o.x_faultline_slug === 'atlas-aml-cs0100')!;
    expect(real.labels).toBeUndefined();
    expect(real.x_faultline_kind).toBe('incident');
  });
});

describe.skipIf(REAL_ATLAS === '')(`the real ATLAS release, exported and imported again${REAL_ATLAS === '' ? ' (skipped: ../shared/data/atlas/ATLAS.yaml not found)' : ''}`, () => {
  it('round-trips byte for byte, exercises still exercises, developer-less systems present', async () => {
    const atlas = parseAtlas(await fs.readFile(REAL_ATLAS, 'utf8'));
    const { target, exported, summary } = await roundTrip(atlas);
    expect(summary.rejected).toEqual([]);
    expect(await exportText(target, 'jsonl')).toBe(exported);
    const atlasRecords = records(exported).filter((r) => r.importedFrom === 'mitre_atlas');
    expect(atlasRecords).toHaveLength(atlas.caseStudies.length);
    const exercises = atlas.caseStudies.filter((study) => study.type === 'exercise').length;
    expect(exercises).toBeGreaterThan(0);
    expect(atlasRecords.filter((r) => r.kind === 'exercise')).toHaveLength(exercises);
    const [row] = await target<{ exercises: number; orphans: number }[]>`
      select (select count(*)::int from incidents where kind = 'exercise' and imported_from = 'mitre_atlas') as exercises,
        (select count(*)::int from ai_systems where developer_id is null) as orphans`;
    expect(row!.exercises).toBe(exercises);
    // ATLAS names targets without their makers: those systems come through, with no developer invented.
    expect(row!.orphans).toBeGreaterThan(0);
    expect(row!.orphans).toBe(new Set(atlasRecords.flatMap((r) => r.aiSystems.filter((s) => s.developer === null).map((s) => s.slug))).size);
  });
});
