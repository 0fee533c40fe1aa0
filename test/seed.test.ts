// The seed against its rules and against ../shared/domain/seed-facts.md: no invented source, headline, URL,
// quote, speaker, date or link; every record cites what the facts say it comes from.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../src/db/index.js';
import { loadSeed, loadTechniques } from '../src/data/seed.js';
import { createTestDatabase } from './helpers/database.js';
import { findSharedPath } from './helpers/shared-data.js';

const FACTS_FILE = findSharedPath('domain/seed-facts.md');
const facts = FACTS_FILE ? fs.readFileSync(FACTS_FILE, 'utf8') : null;

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

/** The lines of one "## " section of the facts. */
function section(heading: string): string[] {
  const lines = facts!.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`## ${heading}`));
  if (start < 0) throw new Error(`seed-facts.md has no section "${heading}"`);
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The rows of the first markdown table whose header starts with `firstColumn`, as cell arrays. */
function table(lines: string[], firstColumn: string): string[][] {
  const header = lines.findIndex((line) => line.startsWith(`| ${firstColumn} |`));
  if (header < 0) throw new Error(`seed-facts.md has no table starting with "${firstColumn}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim()));
  }
  return rows;
}

/** The publishers the facts name as sources: "Gambit Security (Israeli ...): ..." gives "Gambit Security". */
function factPublishers(): string[] {
  return section('Sources')
    .filter((line) => line.startsWith('- '))
    .map((line) => line.slice(2).split(':')[0]!.replace(/\s*\(.*\)$/, '').trim());
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

  it('loads the actors, AI systems and policy topics, Claude Opus 4.6 as a version of Claude', async () => {
    const people = await sql<{ slug: string; affiliation: string | null; role_title: string | null }[]>`
      select p.slug, o.slug as affiliation, p.role_title
      from actors p left join actors o on o.id = p.affiliation_id
      where p.kind = 'person' order by p.slug
    `;
    expect(people.map((p) => [p.slug, p.affiliation])).toEqual([
      ['dario-amodei', 'anthropic'],
      ['dean-ball', 'foundation-for-american-innovation'],
      ['pete-hegseth', 'us-department-of-defense'],
    ]);
    const systems = await sql<{ slug: string; kind: string; developer: string; parent: string | null }[]>`
      select s.slug, s.kind, d.slug as developer, p.slug as parent
      from ai_systems s join actors d on d.id = s.developer_id left join ai_systems p on p.id = s.parent_id
      order by s.slug
    `;
    expect(systems.map((s) => ({ ...s }))).toEqual([
      { slug: 'chatgpt', kind: 'product', developer: 'openai', parent: null },
      { slug: 'claude', kind: 'product', developer: 'anthropic', parent: null },
      { slug: 'claude-opus-4-6', kind: 'model_version', developer: 'anthropic', parent: 'claude' },
    ]);
    expect(await count('policy_topics')).toBe(5);
  });

  it('loads the ATLAS technique taxonomy, and reloading it changes nothing', async () => {
    const before = await sql<{ kind: string; n: number }[]>`select kind, count(*)::int as n from techniques group by kind order by kind`;
    expect(Object.fromEntries(before.map((r) => [r.kind, r.n]))).toMatchObject({ tactic: 16 });
    await loadTechniques(sql);
    const after = await sql<{ kind: string; n: number }[]>`select kind, count(*)::int as n from techniques group by kind order by kind`;
    expect(after).toEqual(before);
  });
});

describe('the seed invents nothing', () => {
  it('has no URL, no headline and no language of ours on any report', async () => {
    const reports = await sql<{ url: string | null; title: string | null; language: string | null }[]>`
      select url, title, language from reports
    `;
    expect(reports.length).toBe(9);
    expect(reports.filter((r) => r.url !== null || r.title !== null || r.language !== null)).toEqual([]);
  });

  it('has no quote and no excerpt: nothing is presented as the sources\' own words', async () => {
    expect(await sql`select id from policy_positions where quote is not null`).toHaveLength(0);
    expect(await sql`select id from citations where excerpt is not null or locator is not null`).toHaveLength(0);
  });

  it('links no position or action to an incident: no stakeholder cites the breach', async () => {
    expect(await count('policy_position_incidents')).toBe(0);
    expect(await count('action_incidents')).toBe(0);
  });

  it('gives no date to the day, and no deadline date: the facts give months, or "by Friday"', async () => {
    const precise = await sql`
      select 'incident' from incidents where occurred_precision = 'day' or disclosed_precision = 'day'
      union all select 'report' from reports where published_precision = 'day'
      union all select 'position' from policy_positions where stated_precision = 'day'
      union all select 'action' from actions where occurred_precision = 'day' or deadline_on is not null
    `;
    expect(precise).toHaveLength(0);
    const deadlines = await sql<{ deadline_text: string }[]>`select deadline_text from actions where deadline_text is not null`;
    expect(deadlines.map((d) => d.deadline_text)).toEqual(['by Friday']);
  });

  it('assesses severity only where the facts give one, as ours', async () => {
    const rows = await sql<{ slug: string; severity: string | null }[]>`select slug, severity from incidents order by slug`;
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { slug: 'chinese-state-sponsored-claude-espionage', severity: null },
      { slug: 'mexico-government-ai-assisted-breach', severity: 'critical' },
      { slug: 'north-korean-ai-generated-backdoors', severity: null },
    ]);
  });

  it('records the breach\'s figures as approximate, citing the outlets behind them', async () => {
    const [mexico] = await sql<{ records: string; records_approx: boolean; bytes: string; bytes_approx: boolean }[]>`
      select records_affected as records, records_affected_approximate as records_approx,
        bytes_affected as bytes, bytes_affected_approximate as bytes_approx
      from incidents where slug = 'mexico-government-ai-assisted-breach'
    `;
    expect(mexico).toEqual({ records: '195000000', records_approx: true, bytes: '150000000000', bytes_approx: true });
    const claims = await sql<{ claim: string; publishers: string[] }[]>`
      select c.claim, array_agg(r.publisher order by r.publisher) as publishers
      from citations c join reports r on r.id = c.report_id join incidents i on i.id = c.incident_id
      where i.slug = 'mexico-government-ai-assisted-breach'
      group by c.claim order by c.claim
    `;
    expect(claims.map((c) => ({ ...c }))).toEqual(
      ['bytes_affected', 'data_categories', 'record', 'records_affected'].map((claim) => ({ claim, publishers: ['Bloomberg', 'Gambit Security'] })),
    );
  });

  it('records the ultimatum with its stake as approximate and the Defense Production Act as a US law', async () => {
    const [ultimatum] = await sql<{ id: string; outcome: string; speaker: string; addressees: string[] }[]>`
      select ac.id, ac.outcome, s.slug as speaker,
        array(select a.slug from action_addressees x join actors a on a.id = x.actor_id where x.action_id = ac.id order by a.slug) as addressees
      from actions ac join actors s on s.id = ac.speaker_id where ac.kind = 'ultimatum'
    `;
    expect(ultimatum).toMatchObject({ outcome: 'pending', speaker: 'pete-hegseth', addressees: ['anthropic', 'dario-amodei'] });
    const stakes = await sql`select amount::text, currency, approximate from action_stakes where action_id = ${ultimatum!.id}`;
    expect(stakes.map((s) => ({ ...s }))).toEqual([{ amount: '200000000.00', currency: 'USD', approximate: true }]);
    const [law] = await sql`select l.name, l.jurisdiction from action_legal_instruments x join legal_instruments l on l.id = x.legal_instrument_id where x.action_id = ${ultimatum!.id}`;
    expect({ ...law }).toEqual({ name: 'Defense Production Act', jurisdiction: 'US' });
  });

  it('names no speaker the facts do not name, and records the Heise remark as an action, not a position', async () => {
    const actions = await sql<{ kind: string; actor: string; speaker: string | null; described: string | null; responds_to: string | null }[]>`
      select ac.kind, a.slug as actor, s.slug as speaker, ac.speaker_description as described, r.kind as responds_to
      from actions ac join actors a on a.id = ac.actor_id left join actors s on s.id = ac.speaker_id
      left join actions r on r.id = ac.responds_to_id
      order by ac.id
    `;
    expect(actions.map((a) => ({ ...a }))).toEqual([
      { kind: 'ultimatum', actor: 'us-department-of-defense', speaker: 'pete-hegseth', described: null, responds_to: null },
      { kind: 'refusal', actor: 'anthropic', speaker: null, described: null, responds_to: 'ultimatum' },
      { kind: 'statement', actor: 'anthropic', speaker: null, described: 'an Anthropic spokesperson', responds_to: null },
      { kind: 'statement', actor: 'us-department-of-defense', speaker: null, described: 'an anonymous Pentagon official', responds_to: null },
    ]);
    const heise = await sql`
      select 1 from citations c join reports r on r.id = c.report_id where r.publisher = 'Heise' and c.position_id is not null
    `;
    expect(heise).toHaveLength(0);
  });

  it('keeps the Defense Department\'s ultimatum as its current position on unrestricted access', async () => {
    const current = await sql<{ actor: string; topic: string; stance: string }[]>`
      select a.slug as actor, t.slug as topic, p.stance
      from current_policy_positions p join actors a on a.id = p.actor_id join policy_topics t on t.id = p.topic_id
      where t.slug = 'unrestricted-military-access' order by a.slug
    `;
    expect(current.map((c) => ({ ...c }))).toEqual([
      { actor: 'anthropic', topic: 'unrestricted-military-access', stance: 'conditional' },
      { actor: 'us-department-of-defense', topic: 'unrestricted-military-access', stance: 'supports' },
    ]);
    expect(await count('policy_positions')).toBe(9);
    expect(await sql`select id from current_policy_positions`).toHaveLength(9);
  });

  it('records the pattern and the breach beside the dispute as the analysis\'s framing, citing only it', async () => {
    const links = await sql<{ relation: string; from_slug: string; to_slug: string | null; to_kind: string | null; publishers: string[]; described: string[] }[]>`
      select k.relation, i.slug as from_slug, j.slug as to_slug, ac.kind as to_kind,
        array(select coalesce(r.publisher, '(unnamed)') from citations c join reports r on r.id = c.report_id where c.link_id = k.id) as publishers,
        array(select r.described_as from citations c join reports r on r.id = c.report_id where c.link_id = k.id) as described
      from incident_links k join incidents i on i.id = k.incident_id
      left join incidents j on j.id = k.related_incident_id left join actions ac on ac.id = k.related_action_id
      order by k.id
    `;
    expect(links.map((l) => [l.relation, l.from_slug, l.to_slug ?? l.to_kind])).toEqual([
      ['same_pattern_as', 'mexico-government-ai-assisted-breach', 'chinese-state-sponsored-claude-espionage'],
      ['same_pattern_as', 'mexico-government-ai-assisted-breach', 'north-korean-ai-generated-backdoors'],
      ['same_pattern_as', 'chinese-state-sponsored-claude-espionage', 'north-korean-ai-generated-backdoors'],
      ['discussed_alongside', 'mexico-government-ai-assisted-breach', 'ultimatum'],
    ]);
    for (const link of links) {
      expect(link.publishers).toEqual(['(unnamed)']);
      expect(link.described[0]).toMatch(/^News analysis/);
    }
  });
});

describe.skipIf(facts === null)(`the seed against seed-facts.md${facts === null ? ' (skipped: ../shared/domain/seed-facts.md not found)' : ''}`, () => {
  it('cites only publishers the facts name, or describes a source the facts do not name', async () => {
    const named = factPublishers();
    expect(named).toEqual(['Bloomberg', 'Gambit Security', 'BBC', 'Financial Times', 'TechCrunch', 'Heise', 'Anthropic']);
    const reports = await sql<{ publisher: string | null; described_as: string | null }[]>`select publisher, described_as from reports`;
    for (const report of reports) {
      if (report.publisher === null) expect(report.described_as).toMatch(/\S/);
      else expect(named).toContain(report.publisher);
    }
    // Every source the facts name is on record once.
    expect(reports.map((r) => r.publisher).filter((p) => p !== null).sort()).toEqual([...named].sort());
  });

  it('gives each incident the sources the facts list for it, and the North Korean reports to no one', async () => {
    const lines = section('Incidents');
    const incidents: Array<{ title: string; sources: string }> = [];
    for (const line of lines) {
      const title = /^\d+\.\s+(.*)$/.exec(line);
      if (title) incidents.push({ title: title[1]!.trim(), sources: '' });
      const sources = /^\s+- sources:\s+(.*)$/.exec(line);
      if (sources && incidents.length > 0) incidents[incidents.length - 1]!.sources = sources[1]!;
    }
    expect(incidents).toHaveLength(3);
    for (const incident of incidents) {
      const rows = await sql<{ publisher: string | null }[]>`
        select r.publisher from incidents i join citations c on c.incident_id = i.id and c.claim = 'record'
        join reports r on r.id = c.report_id where i.title = ${incident.title}
      `;
      expect(rows.length, incident.title).toBeGreaterThan(0);
      const expected = incident.sources.startsWith('unnamed')
        ? [null]
        : incident.sources.split(/,\s*/).map((source) => source.replace(/'s own report$/, '').trim()).sort();
      expect(rows.map((r) => r.publisher).sort(), incident.title).toEqual(expected);
    }
  });

  it('records exactly the positions of the facts\' table: actor, speaker, topic, stance and sources', async () => {
    const rows = table(section('Policy topics, positions and the dispute'), 'actor (speaker)');
    expect(rows).toHaveLength(9);
    const positions = await sql<{ actor: string; affiliation: string | null; speaker: string | null; described: string | null; topic: string; stance: string; publishers: string[]; quote: string | null }[]>`
      select a.name as actor, o.name as affiliation, s.name as speaker, p.speaker_description as described, t.name as topic,
        p.stance, p.quote,
        array(select coalesce(r.publisher, '(unnamed)') from citations c join reports r on r.id = c.report_id where c.position_id = p.id order by r.publisher) as publishers
      from policy_positions p join actors a on a.id = p.actor_id left join actors o on o.id = a.affiliation_id
      left join actors s on s.id = p.speaker_id join policy_topics t on t.id = p.topic_id
    `;
    expect(positions).toHaveLength(rows.length);
    const people = table(section('Actors'), 'name').filter((row) => row[1] === 'person').map((row) => row[0]!);
    for (const [who, topic, stance, , source] of rows) {
      const [, actorName, parenthesis] = /^([^(]+?)\s*(?:\((.*)\))?$/.exec(who!)!;
      const match = positions.filter((p) => p.actor.startsWith(actorName!) && p.topic.toLowerCase().includes(topic!.toLowerCase()));
      expect(match, `${who} on ${topic}`).toHaveLength(1);
      const position = match[0]!;
      expect(position.stance).toBe(stance!.split(' ')[0]);
      if (parenthesis && people.includes(parenthesis)) expect(position.speaker).toBe(parenthesis);
      else expect(position.speaker).toBeNull();
      if (parenthesis?.startsWith('an unnamed')) expect(position.described).toMatch(/spokesperson/);
      if (parenthesis && !people.includes(parenthesis) && !parenthesis.startsWith('no ') && !parenthesis.startsWith('an ')) {
        expect(position.affiliation).toBe(parenthesis);
      }
      const expected = source === 'the analysis itself' ? ['(unnamed)'] : source!.split(/,\s*/).sort();
      expect(position.publishers, `${who} on ${topic}`).toEqual(expected);
    }
  });
});
