// Deterministic synthetic data at scale, for benchmarks and query-plan tests: the same options and seed
// always produce the same rows. Loaded with COPY (postgres.js writable streams), one table at a time,
// inside one transaction, which also announces what it loaded (bulk appends to the event log), so live
// subscribers receive it as they would any write.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Queryable, Sql } from '../db/index.js';
import { announce } from '../live/topic.js';
import { incidentTopic, policyPositionTopic, reportTopic } from '../live/topics/index.js';
import { eventTransaction } from './event-log.js';
import { loadTechniques } from './seed.js';

export interface SyntheticOptions {
  incidents: number;
  reports: number;
  positions: number;
  seed: number;
  /** Organisations and people; incidents pick them Zipf-like, so a few appear everywhere. */
  actors?: number;
  /**
   * Append the events a write would (incident_created, report_added, position_recorded), in the same
   * transaction; true unless set. Off where nobody should hear of it: the baseline of bench/import-events.ts,
   * query-plan tests.
   */
  announce?: boolean;
}

/** Progress of one table: rows written so far out of the total. */
export type Progress = (table: string, done: number, total: number) => void;

export interface SyntheticSummary {
  rows: Record<string, number>;
  milliseconds: number;
}

/** Records per append statement when a load announces what it wrote. */
const ANNOUNCE_SLICE = 20_000;

/** mulberry32: small, fast, and good enough to make data look varied. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks index i of n with probability proportional to 1/(i+1)^s: a few very common, a long tail. */
function zipf(n: number, s: number, next: () => number): () => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cumulative[i] = total += 1 / Math.pow(i + 1, s);
  return () => {
    const target = next() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (cumulative[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

// COPY text format: backslash, tab and line breaks must be escaped; \N is null.
const text = (value: string | null) =>
  value === null ? '\\N' : value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
const array = (values: readonly string[]) => `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
const pad = (value: number) => String(value).padStart(2, '0');

const COUNTRIES = ['US', 'MX', 'BR', 'AR', 'CO', 'CL', 'PE', 'ES', 'GB', 'DE', 'FR', 'IN', 'JP', 'KR', 'UA', 'IL', 'NG', 'ZA', 'AU', 'CA'];
const SECTORS = ['government', 'tax-administration', 'elections', 'health', 'finance', 'energy', 'defence', 'education', 'telecom', 'media'];
const CATEGORIES = ['taxpayer-records', 'voter-information', 'credentials', 'health-records', 'source-code', 'emails'];
const KINDS = ['government', 'criminal', 'state_actor', 'ai_developer', 'security_firm', 'military', 'think_tank', 'media', 'other'];
const STATUSES = ['reported', 'reported', 'confirmed', 'confirmed', 'disputed', 'disrupted', 'resolved'];
const SEVERITIES = ['low', 'medium', 'medium', 'high', 'high', 'critical'];
const STANCES = ['supports', 'opposes', 'opposes', 'conditional', 'neutral', 'unclear'];

const EN = {
  tool: ['Chatbot', 'Coding assistant', 'Voice clone', 'Image model', 'Autonomous agent', 'Language model', 'Browser agent'],
  act: [
    'jailbroken with a fake bug bounty', 'prompt-injected through email', 'used to write ransomware', 'used to phish staff',
    'fed poisoned training data', 'used for deepfake extortion', 'used to automate credential theft', 'used for espionage',
  ],
  target: ['tax office', 'hospital network', 'election authority', 'central bank', 'defence ministry', 'water utility', 'university', 'telecom operator'],
  filler: [
    'Investigators said the attacker', 'According to researchers, the operators', 'The report describes how the group',
    'Officials confirmed that intruders',
  ],
  verb: ['exfiltrated records', 'moved laterally', 'evaded safety warnings', 'generated exploit code', 'harvested credentials', 'impersonated officials'],
};
const ES = {
  tool: ['Chatbot', 'Asistente de programación', 'Clon de voz', 'Modelo de imágenes', 'Agente autónomo', 'Modelo de lenguaje'],
  act: [
    'engañado con un falso programa de recompensas', 'usado para vulnerar sistemas', 'usado para escribir ransomware',
    'usado para suplantar funcionarios', 'usado para espionaje', 'usado para robar credenciales',
  ],
  target: ['la oficina de impuestos', 'una red hospitalaria', 'la autoridad electoral', 'el banco central', 'el ministerio de defensa', 'una universidad'],
  filler: ['Según los investigadores, el atacante', 'Las autoridades confirmaron que los intrusos', 'El informe describe cómo el grupo'],
  verb: ['extrajo registros', 'se desplazó por la red', 'evadió las advertencias', 'generó código de ataque', 'robó contraseñas'],
};
const SYLLABLES = ['ka', 'ro', 'mi', 'tan', 'sel', 'vo', 'qua', 'dri', 'lex', 'nor', 'pa', 'zu', 'fen', 'gor', 'ix'];

/**
 * Inserts a synthetic corpus: actors and AI systems, `incidents` incidents (with actors, AI systems,
 * techniques), `reports` reports (English and Spanish, each linked to an incident) and `positions` policy
 * positions on a few topics, later ones superseding earlier ones of the same actor and topic.
 */
export async function loadSynthetic(sql: Sql, options: SyntheticOptions, progress: Progress = () => {}): Promise<SyntheticSummary> {
  if (options.incidents < 1 || options.reports < 1) throw new Error('synthetic data needs at least one incident and one report');
  const started = Date.now();
  const [techniqueCount] = await sql<{ n: number }[]>`select count(*)::int as n from techniques`;
  if (!techniqueCount?.n) await loadTechniques(sql);
  const rows: Record<string, number> = {};
  const announcing = options.announce ?? true;
  // Announcing needs a transaction registered as an event writer; without events a plain one does.
  const transaction = <T>(work: (tx: Queryable) => Promise<T>): Promise<T> =>
    announcing ? eventTransaction(sql, work) : sql.begin((tx) => work(tx)) as Promise<T>;
  await transaction(async (tx) => {
    const next = generator(options.seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const tag = `syn${options.seed}`;
    const actorCount = options.actors ?? Math.max(200, Math.round(options.incidents / 50));
    // The first 40 techniques by id: enough variety for facets, few enough that each has many incidents.
    const techniques = (await tx<{ id: string }[]>`select id from techniques where kind <> 'tactic' order by id limit 40`).map((row) => row.id);

    // Ids are identity columns, which COPY cannot set. With each table locked, the rows one COPY adds get
    // consecutive ids after the sequence's current value, so row n has id base + n (checked afterwards).
    const base = async (table: string) => {
      await tx`lock table ${tx(table)} in exclusive mode`;
      const [row] = await tx<{ base: string }[]>`select nextval(pg_get_serial_sequence(${table}, 'id'))::text as base`;
      return Number(row!.base);
    };
    const copy = async (table: string, columns: string[], total: number, line: (n: number) => string | null) => {
      const writable = await tx`copy ${tx(table)} (${tx(columns)}) from stdin`.writable();
      let written = 0;
      const step = Math.max(1, Math.floor(total / 100));
      function* lines() {
        let chunk = '';
        for (let n = 1; n <= total; n++) {
          const value = line(n);
          if (value !== null) {
            chunk += value + '\n';
            written += value.split('\n').length;
          }
          if (n % step === 0 || n === total) progress(table, n, total);
          if (chunk.length > 65_536) {
            yield chunk;
            chunk = '';
          }
        }
        if (chunk) yield chunk;
      }
      await pipeline(Readable.from(lines()), writable);
      rows[table] = (rows[table] ?? 0) + written;
    };
    const verify = async (table: string, first: number, count: number) => {
      if (count === 0) return;
      const [row] = await tx<{ n: number; low: string; high: string }[]>`
        select count(*)::int as n, min(id)::text as low, max(id)::text as high from ${tx(table)} where id >= ${first}`;
      if (row?.n !== count || Number(row.low) !== first || Number(row.high) !== first + count - 1) {
        throw new Error(`synthetic ${table}: ids are not consecutive (another writer?), ${JSON.stringify(row)}`);
      }
    };
    const date = (fromYear: number, years: number) =>
      `${fromYear + Math.floor(next() * years)}-${pad(1 + Math.floor(next() * 12))}-${pad(1 + Math.floor(next() * 28))}`;
    const codename = () => {
      const word = Array.from({ length: 2 + Math.floor(next() * 2) }, () => pick(SYLLABLES)).join('');
      return word[0]!.toUpperCase() + word.slice(1);
    };

    // Actors: organisations of every kind, named so that trigram search has something to find.
    const actorBase = await base('actors');
    const actorKinds: string[] = [];
    await copy('actors', ['slug', 'name', 'kind', 'country', 'description'], actorCount, (n) => {
      const kind = KINDS[n % KINDS.length]!;
      actorKinds[n] = kind;
      const name = `${codename()} ${kind === 'government' ? 'Ministry' : kind === 'criminal' ? 'Crew' : kind === 'ai_developer' ? 'AI Labs' : 'Group'} ${n}`;
      return [`${tag}-actor-${n}`, name, kind, next() < 0.9 ? pick(COUNTRIES) : null, `Synthetic ${kind.replace('_', ' ')}.`]
        .map(text).join('\t');
    });
    await verify('actors', actorBase + 1, actorCount);
    const developers = Array.from({ length: actorCount }, (_, i) => i + 1).filter((n) => actorKinds[n] === 'ai_developer');

    const systemBase = await base('ai_systems');
    const systemCount = 12;
    await copy('ai_systems', ['slug', 'name', 'developer_id', 'description'], systemCount, (n) =>
      [`${tag}-system-${n}`, `${codename()} Model ${n}`, String(actorBase + developers[n % developers.length]!), 'Synthetic AI system.']
        .map(text).join('\t'),
    );
    await verify('ai_systems', systemBase + 1, systemCount);

    // Incidents.
    const incidentBase = await base('incidents');
    await copy(
      'incidents',
      ['slug', 'title', 'summary', 'status', 'severity', 'occurred_start', 'occurred_precision', 'disclosed_on', 'disclosed_precision',
        'countries', 'sectors', 'records_affected', 'bytes_affected', 'data_categories'],
      options.incidents,
      (n) => {
        const spanish = next() < 0.25;
        const words = spanish ? ES : EN;
        const target = pick(words.target);
        const title = `${pick(words.tool)} ${pick(words.act)} ${spanish ? 'contra' : 'against'} ${target} (${codename()})`;
        const summary = `${pick(words.filler)} ${pick(words.verb)} ${spanish ? 'y' : 'and'} ${pick(words.verb)} ${spanish ? 'en' : 'at'} ${target}. ${pick(words.filler)} ${pick(words.verb)}.`;
        const precision = pick(['day', 'day', 'month', 'month', 'year', 'unknown']);
        const raw = date(2019, 8);
        const start = precision === 'unknown' ? null : precision === 'year' ? `${raw.slice(0, 4)}-01-01` : precision === 'month' ? `${raw.slice(0, 7)}-01` : raw;
        const disclosed = next() < 0.7 ? `${raw.slice(0, 7)}-01` : null;
        const countries = next() < 0.15 ? [] : [...new Set([pick(COUNTRIES), ...(next() < 0.2 ? [pick(COUNTRIES)] : [])])];
        const records = next() < 0.4 ? String(Math.floor(next() * 10_000_000)) : null;
        return [
          `${tag}-incident-${n}`, title, summary, pick(STATUSES), pick(SEVERITIES), start, precision,
          disclosed, disclosed ? 'month' : 'unknown', array(countries), array(next() < 0.8 ? [pick(SECTORS)] : []),
          records, records ? String(Number(records) * 2048) : null, array(records ? [pick(CATEGORIES)] : []),
        ].map(text).join('\t');
      },
    );
    await verify('incidents', incidentBase + 1, options.incidents);

    // Links: 1-3 actors per incident (Zipf: a few actors are in thousands of incidents), 1-2 AI systems,
    // 0-2 techniques. Duplicates within an incident are skipped so primary keys hold.
    const actorOf = zipf(actorCount, 1.1, next);
    const systemOf = zipf(systemCount, 0.8, next);
    const roles = ['attacker', 'victim', 'researcher', 'responder'];
    await copy('incident_actors', ['incident_id', 'actor_id', 'role'], options.incidents, (n) => {
      const seen = new Set<string>();
      const lines: string[] = [];
      const count = 1 + Math.floor(next() * 3);
      for (let k = 0; k < count; k++) {
        const actor = actorBase + 1 + actorOf();
        const role = roles[k] ?? pick(roles);
        const key = `${actor}:${role}`;
        if (seen.has(key)) continue;
        seen.add(key);
        lines.push(`${incidentBase + n}\t${actor}\t${role}`);
      }
      return lines.join('\n');
    });
    await copy('incident_ai_systems', ['incident_id', 'ai_system_id', 'role'], options.incidents, (n) => {
      const first = systemOf();
      const lines = [`${incidentBase + n}\t${systemBase + 1 + first}\tprimary_tool`];
      if (next() < 0.3) {
        const second = systemOf();
        if (second !== first) lines.push(`${incidentBase + n}\t${systemBase + 1 + second}\tsupplementary_tool`);
      }
      return lines.join('\n');
    });
    await copy('incident_techniques', ['incident_id', 'technique_id'], options.incidents, (n) => {
      const chosen = new Set<string>();
      const count = Math.floor(next() * 3);
      for (let k = 0; k < count; k++) chosen.add(pick(techniques));
      return chosen.size ? [...chosen].map((t) => `${incidentBase + n}\t${t}`).join('\n') : null;
    });

    // Reports: a quarter in Spanish; each documents one incident.
    const reportBase = await base('reports');
    const incidentOf = zipf(options.incidents, 0.6, next);
    const reportIncident = new Int32Array(options.reports + 1);
    await copy(
      'reports',
      ['url', 'url_key', 'publisher', 'title', 'summary', 'language', 'published_on', 'published_precision'],
      options.reports,
      (n) => {
        const spanish = next() < 0.25;
        const words = spanish ? ES : EN;
        reportIncident[n] = 1 + incidentOf();
        const url = `https://news${n % 50}.example.com/${tag}/${n}`;
        const title = `${pick(words.tool)} ${pick(words.act)}: ${pick(words.target)} ${spanish ? 'bajo ataque' : 'under attack'}`;
        const summary = `${pick(words.filler)} ${pick(words.verb)}. ${pick(words.filler)} ${pick(words.verb)} (${codename()}).`;
        const precision = next() < 0.8 ? 'day' : 'month';
        const raw = date(2019, 8);
        return [url, url, `Outlet ${n % 50}`, title, summary, spanish ? 'es' : 'en', precision === 'day' ? raw : `${raw.slice(0, 7)}-01`, precision]
          .map(text).join('\t');
      },
    );
    await verify('reports', reportBase + 1, options.reports);
    await copy('incident_reports', ['incident_id', 'report_id'], options.reports, (n) => `${incidentBase + reportIncident[n]!}\t${reportBase + n}`);
    // Each report is also cited for its incident as a whole.
    await copy('citations', ['incident_id', 'report_id'], options.reports, (n) => `${incidentBase + reportIncident[n]!}\t${reportBase + n}`);

    // Topics and positions: each (actor, topic) pair's positions follow one another in stated date, so the
    // latest of each pair is its current one; each position cites one report.
    const topicBase = await base('policy_topics');
    const topicNames = ['Autonomous weapons', 'Domestic surveillance', 'Open model weights', 'Military access', 'Export controls', 'Misuse safeguards'];
    await copy('policy_topics', ['slug', 'name', 'description'], topicNames.length, (n) =>
      [`${tag}-topic-${n}`, `${topicNames[n - 1]} (${tag})`, 'Synthetic policy topic.'].map(text).join('\t'),
    );
    const positionBase = await base('policy_positions');
    const positionReport = new Int32Array(options.positions + 1);
    const positionActor = zipf(actorCount, 0.9, next);
    const positionDate = (n: number) => {
      // Dates rise with n so that a superseding position is never stated before the one it replaces.
      const day = Math.floor((n / Math.max(1, options.positions)) * 2900);
      const d = new Date(Date.UTC(2018, 0, 1) + day * 86_400_000);
      return d.toISOString().slice(0, 10);
    };
    await copy(
      'policy_positions',
      ['actor_id', 'topic_id', 'stance', 'summary', 'stated_on', 'stated_precision'],
      options.positions,
      (n) => {
        const actor = actorBase + 1 + positionActor();
        const topic = topicBase + 1 + Math.floor(next() * topicNames.length);
        const stance = pick(STANCES);
        const summary = `${stance === 'opposes' ? 'Opposes' : stance === 'supports' ? 'Supports' : 'Takes a nuanced view of'} ${topicNames[topic - topicBase - 1]!.toLowerCase()}, citing ${pick(EN.act)}.`;
        positionReport[n] = reportBase + 1 + Math.floor(next() * options.reports);
        return [String(actor), String(topic), stance, summary, positionDate(n), 'day'].map(text).join('\t');
      },
    );
    await verify('policy_positions', positionBase + 1, options.positions);
    await copy('citations', ['position_id', 'report_id'], options.positions, (n) => `${positionBase + n}\t${positionReport[n]}`);

    if (announcing) {
      // In load order, in slices: each append is one statement, whose parameter stays a few megabytes.
      const announceRange = async <K extends string>(first: number, count: number, append: (records: Array<{ id: string }>) => Promise<unknown>, table: K) => {
        for (let start = 0; start < count; start += ANNOUNCE_SLICE) {
          const size = Math.min(ANNOUNCE_SLICE, count - start);
          await append(Array.from({ length: size }, (_, k) => ({ id: String(first + start + k) })));
          progress(`events (${table})`, start + size, count);
        }
        rows[`events (${table})`] = count;
      };
      await announceRange(incidentBase + 1, options.incidents, (records) => announce(tx, incidentTopic, 'incident_created', records), 'incidents');
      await announceRange(reportBase + 1, options.reports, (records) => announce(tx, reportTopic, 'report_added', records), 'reports');
      await announceRange(positionBase + 1, options.positions, (records) => announce(tx, policyPositionTopic, 'position_recorded', records), 'positions');
    }
  });
  // Fresh statistics, or the planner would plan the first queries for empty tables; and the GIN indexes'
  // pending lists merged (COPY fills them, and only VACUUM empties them), or every search scans them whole.
  await sql`vacuum (analyze) actors, ai_systems, incidents, incident_actors, incident_ai_systems, incident_techniques,
    reports, incident_reports, policy_topics, policy_positions, citations`;
  return { rows, milliseconds: Date.now() - started };
}
