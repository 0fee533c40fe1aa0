import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../src/db/index.js';
import { loadSeed, loadTechniques } from '../src/data/seed.js';
import { normalizeReportUrl } from '../src/data/urls.js';
import { createTestDatabase } from './helpers/database.js';

let sql: Sql;
let drop: () => Promise<void>;

beforeAll(async () => {
  const database = await createTestDatabase();
  sql = database.sql;
  drop = database.drop;
});

afterAll(async () => {
  await drop?.();
});

async function count(table: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from ${sql(table)}`;
  return row?.n ?? 0;
}

describe('loadSeed', () => {
  // Runs first: the database is empty, as on a fresh install where two instances start at once.
  it('seeds an empty database once when two loaders race', async () => {
    const results = await Promise.all([loadSeed(sql), loadSeed(sql)]);
    expect(results.map((result) => result.loaded).sort()).toEqual([false, true]);
    expect(await count('incidents')).toBe(3);
  });

  it('skips a database that already has incidents', async () => {
    expect(await loadSeed(sql)).toEqual({ loaded: false });
    expect(await count('incidents')).toBe(3);
    expect(await count('actors')).toBe(12);
  });

  it('loads the actors, AI systems and policy topics of the seed facts', async () => {
    expect(await count('actors')).toBe(12);
    const people = await sql<{ slug: string; affiliation: string | null; role_title: string | null }[]>`
      select p.slug, o.slug as affiliation, p.role_title
      from actors p
      left join actors o on o.id = p.affiliation_id
      where p.kind = 'person'
      order by p.slug
    `;
    expect(people.map((p) => [p.slug, p.affiliation])).toEqual([
      ['dario-amodei', 'anthropic'],
      ['dean-ball', 'foundation-for-american-innovation'],
      ['pete-hegseth', 'us-department-of-defense'],
    ]);
    expect(people.every((p) => p.role_title)).toBe(true);

    const systems = await sql<{ slug: string; kind: string; developer: string; parent: string | null }[]>`
      select s.slug, s.kind, d.slug as developer, p.slug as parent
      from ai_systems s
      join actors d on d.id = s.developer_id
      left join ai_systems p on p.id = s.parent_id
      order by s.slug
    `;
    expect(systems.map((s) => ({ ...s }))).toEqual([
      { slug: 'chatgpt', kind: 'product', developer: 'openai', parent: null },
      { slug: 'claude', kind: 'product', developer: 'anthropic', parent: null },
      { slug: 'claude-opus-4-6', kind: 'model_version', developer: 'anthropic', parent: 'claude' },
    ]);

    const topics = await sql<{ slug: string }[]>`select slug from policy_topics`;
    expect(topics.map((t) => t.slug)).toEqual(
      expect.arrayContaining([
        'unrestricted-military-access',
        'domestic-surveillance',
        'autonomous-weapons',
        'government-coercion-of-ai-developers',
      ]),
    );
  });

  it('records the Mexican breach with month precision, its impact, tools and sources', async () => {
    const [incident] = await sql<
      {
        id: string;
        status: string;
        severity: string;
        occurred_start: string;
        occurred_end: string;
        occurred_precision: string;
        disclosed_on: string;
        disclosed_precision: string;
        countries: string[];
        records_affected: string;
        bytes_affected: string;
        data_categories: string[];
      }[]
    >`
      select id, status, severity, occurred_start, occurred_end, occurred_precision, disclosed_on,
        disclosed_precision, countries, records_affected, bytes_affected, data_categories
      from incidents
      where slug = 'mexico-government-ai-assisted-breach'
    `;
    expect(incident).toBeDefined();
    expect(incident).toMatchObject({
      status: 'reported',
      severity: 'critical',
      occurred_start: '2025-12-01',
      occurred_end: '2026-01-01',
      occurred_precision: 'month',
      disclosed_on: '2026-02-01',
      disclosed_precision: 'month',
      countries: ['MX'],
      // int8 arrives as a string.
      records_affected: '195000000',
      bytes_affected: '150000000000',
    });
    expect(incident!.data_categories.length).toBeGreaterThanOrEqual(3);

    const systems = await sql<{ slug: string; role: string; usage: string }[]>`
      select s.slug, x.role, x.usage
      from incident_ai_systems x
      join ai_systems s on s.id = x.ai_system_id
      where x.incident_id = ${incident!.id}
      order by s.slug
    `;
    expect(systems.map((s) => [s.slug, s.role])).toEqual([
      ['chatgpt', 'supplementary_tool'],
      ['claude', 'primary_tool'],
    ]);
    expect(systems.every((s) => s.usage.length > 0)).toBe(true);

    const roles = await sql<{ slug: string; role: string }[]>`
      select a.slug, x.role
      from incident_actors x
      join actors a on a.id = x.actor_id
      where x.incident_id = ${incident!.id}
    `;
    expect(roles).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ slug: 'unknown-cybercriminal', role: 'attacker' }),
        expect.objectContaining({ slug: 'government-of-mexico', role: 'victim' }),
        expect.objectContaining({ slug: 'gambit-security', role: 'researcher' }),
      ]),
    );

    const techniques = await sql<{ technique_id: string }[]>`
      select technique_id from incident_techniques where incident_id = ${incident!.id}
    `;
    expect(techniques.map((t) => t.technique_id)).toContain('AML.T0054');

    const publishers = await sql<{ publisher: string }[]>`
      select r.publisher
      from incident_reports x
      join reports r on r.id = x.report_id
      where x.incident_id = ${incident!.id}
    `;
    expect(publishers.map((p) => p.publisher)).toEqual(expect.arrayContaining(['Bloomberg', 'Gambit Security']));
  });

  it('keeps the other incidents honest about what is not known', async () => {
    const rows = await sql<{ slug: string; status: string; occurred_precision: string; disclosed_on: string; disclosed_precision: string }[]>`
      select slug, status, occurred_precision, disclosed_on, disclosed_precision
      from incidents
      where slug <> 'mexico-government-ai-assisted-breach'
      order by slug
    `;
    expect(rows.map((r) => ({ ...r }))).toEqual([
      {
        slug: 'chinese-state-sponsored-claude-espionage',
        status: 'disrupted',
        occurred_precision: 'unknown',
        disclosed_on: '2025-11-01',
        disclosed_precision: 'month',
      },
      {
        slug: 'north-korean-ai-generated-backdoors',
        status: 'reported',
        occurred_precision: 'unknown',
        disclosed_on: '2026-01-01',
        disclosed_precision: 'year',
      },
    ]);
  });

  it('gives every incident a report and every report a normalised url_key', async () => {
    const unsourced = await sql`
      select slug from incidents i
      where not exists (select 1 from incident_reports x where x.incident_id = i.id)
    `;
    expect(unsourced).toHaveLength(0);
    const reports = await sql<{ url: string; url_key: string }[]>`select url, url_key from reports`;
    expect(reports.length).toBeGreaterThanOrEqual(8);
    for (const report of reports) expect(report.url_key).toBe(normalizeReportUrl(report.url));
  });

  it('includes a Spanish-language report on the Mexican breach', async () => {
    const rows = await sql<{ url_key: string; summary: string }[]>`
      select r.url_key, r.summary
      from reports r
      join incident_reports x on x.report_id = r.id
      join incidents i on i.id = x.incident_id
      where r.language = 'es' and i.slug = 'mexico-government-ai-assisted-breach'
    `;
    expect(rows).toHaveLength(1);
    expect(new URL(rows[0]!.url_key).hostname).toMatch(/\.mx$/);
    expect(rows[0]!.summary.length).toBeGreaterThan(100);
  });

  it('loads the 8 policy positions, each citing a report, with the Pentagon stance history', async () => {
    const positions = await sql<{ id: string; actor: string; speaker: string | null; topic: string; stance: string; publisher: string | null; supersedes_id: string | null }[]>`
      select p.id, a.slug as actor, s.slug as speaker, t.slug as topic, p.stance, r.publisher, p.supersedes_id
      from policy_positions p
      join actors a on a.id = p.actor_id
      left join actors s on s.id = p.speaker_id
      join policy_topics t on t.id = p.topic_id
      left join reports r on r.id = p.source_report_id
      order by p.id
    `;
    expect(positions).toHaveLength(8);
    expect(positions.every((p) => p.publisher)).toBe(true);

    const hegseth = positions.find((p) => p.speaker === 'pete-hegseth');
    expect(hegseth).toMatchObject({ actor: 'us-department-of-defense', topic: 'unrestricted-military-access', stance: 'supports' });
    const heise = positions.find((p) => p.publisher === 'Heise');
    expect(heise).toMatchObject({ actor: 'us-department-of-defense', topic: 'unrestricted-military-access', supersedes_id: hegseth!.id });
    expect(positions.find((p) => p.speaker === 'dario-amodei')).toMatchObject({ topic: 'domestic-surveillance', stance: 'opposes' });
    expect(positions.find((p) => p.actor === 'anthropic' && p.topic === 'unrestricted-military-access')).toMatchObject({
      stance: 'conditional',
    });

    const current = await sql<{ id: string }[]>`select id from current_policy_positions`;
    expect(current.map((p) => p.id)).not.toContain(hegseth!.id);
    expect(current).toHaveLength(7);

    const cited = await sql<{ n: number }[]>`
      select count(*)::int as n
      from policy_position_incidents x
      join incidents i on i.id = x.incident_id
      where i.slug = 'mexico-government-ai-assisted-breach'
    `;
    expect(cited[0]!.n).toBeGreaterThan(0);
  });

  it('keeps every quote a short fragment of under 15 words', async () => {
    const quotes = await sql<{ quote: string }[]>`select quote from policy_positions where quote is not null`;
    for (const { quote } of quotes) expect(quote.trim().split(/\s+/).length).toBeLessThan(15);
  });

  it('loads the ATLAS technique taxonomy, and reloading it changes nothing', async () => {
    const before = await sql<{ kind: string; n: number }[]>`
      select kind, count(*)::int as n from techniques group by kind order by kind
    `;
    expect(Object.fromEntries(before.map((r) => [r.kind, r.n]))).toMatchObject({ tactic: 16 });
    const [jailbreak] = await sql<{ name: string; kind: string; tactic_ids: string[] }[]>`
      select name, kind, tactic_ids from techniques where id = 'AML.T0054'
    `;
    expect(jailbreak).toMatchObject({ name: 'LLM Jailbreak', kind: 'technique' });

    await loadTechniques(sql);
    const after = await sql<{ kind: string; n: number }[]>`
      select kind, count(*)::int as n from techniques group by kind order by kind
    `;
    expect(after).toEqual(before);
  });
});
