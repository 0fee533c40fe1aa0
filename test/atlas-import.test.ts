import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../src/db/index.js';
import { parseAtlas } from '../src/data/atlas.js';
import { importAtlas } from '../src/data/atlas-import.js';
import { createTestDatabase } from './helpers/database.js';

// A tiny file in the shape of MITRE ATLAS's ATLAS.yaml: the real one lives outside the repository, and a
// user's clone must be able to run the tests without it. The descriptions and summary hold a marker that
// must never reach the database.
const PROSE = 'PROSE-THAT-MUST-NOT-BE-STORED';
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

async function counts() {
  const [row] = await sql<{ techniques: number; incidents: number; reports: number; links: number; reportLinks: number }[]>`
    select
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
        severity: 'medium',
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
        severity: 'medium',
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
    expect(await counts()).toEqual(before);

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
