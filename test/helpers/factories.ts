// Test data written straight with SQL, so read-path tests do not depend on the mutations under test
// elsewhere. Every factory returns the row's id (as postgres.js gives int8: a string) and its slug or URL;
// unspecified fields get unique, valid values.
import type { Sql } from '../../src/db/index.js';
import { encodeGlobalId } from '../../src/graphql/errors.js';

let sequence = 0;

/** A slug no other factory call in this process returns. */
export function uniqueSlug(prefix: string): string {
  sequence += 1;
  return `${prefix}-${process.pid}-${sequence}`;
}

/** The global id a client would hold for a row: for ids of rows that do not exist, or of the wrong type. */
export function globalId(typename: string, id: string | number): string {
  return encodeGlobalId(typename, id);
}

export interface Created {
  id: string;
  slug: string;
}

export interface ActorInput {
  slug?: string;
  name?: string;
  kind?: string;
  country?: string | null;
  affiliationId?: string | null;
}

export async function createActor(sql: Sql, input: ActorInput = {}): Promise<Created> {
  const slug = input.slug ?? uniqueSlug('actor');
  const [row] = await sql<Created[]>`
    insert into actors (slug, name, kind, country, affiliation_id)
    values (${slug}, ${input.name ?? `Actor ${slug}`}, ${input.kind ?? 'other'}, ${input.country ?? null},
      ${input.affiliationId ?? null})
    returning id, slug
  `;
  return row!;
}

export async function createAiSystem(sql: Sql, input: { developerId: string; slug?: string; name?: string; parentId?: string }): Promise<Created> {
  const slug = input.slug ?? uniqueSlug('system');
  const [row] = await sql<Created[]>`
    insert into ai_systems (slug, name, developer_id, parent_id)
    values (${slug}, ${input.name ?? `System ${slug}`}, ${input.developerId}, ${input.parentId ?? null})
    returning id, slug
  `;
  return row!;
}

export interface IncidentInput {
  slug?: string;
  title?: string;
  status?: string;
  severity?: string;
  occurredStart?: string | null;
  occurredEnd?: string | null;
  occurredPrecision?: string;
  disclosedOn?: string | null;
  disclosedPrecision?: string;
  countries?: string[];
  sectors?: string[];
  recordsAffected?: number | null;
  bytesAffected?: number | null;
  /**
   * An ISO timestamp, microseconds kept (sent as text: a timestamptz parameter would go through
   * JavaScript's Date and lose them); defaults to now().
   */
  updatedAt?: string;
}

export async function createIncident(sql: Sql, input: IncidentInput = {}): Promise<Created> {
  const slug = input.slug ?? uniqueSlug('incident');
  const occurredStart = input.occurredStart ?? null;
  const disclosedOn = input.disclosedOn ?? null;
  const [row] = await sql<Created[]>`
    insert into incidents (
      slug, title, status, severity, occurred_start, occurred_end, occurred_precision,
      disclosed_on, disclosed_precision, countries, sectors, records_affected, bytes_affected, updated_at)
    values (
      ${slug}, ${input.title ?? `Incident ${slug}`}, ${input.status ?? 'reported'}, ${input.severity ?? 'medium'},
      ${occurredStart}::date, ${input.occurredEnd ?? null}::date,
      ${input.occurredPrecision ?? (occurredStart ? 'day' : 'unknown')},
      ${disclosedOn}::date, ${input.disclosedPrecision ?? (disclosedOn ? 'day' : 'unknown')},
      ${input.countries ?? []}::text[], ${input.sectors ?? []}::text[],
      ${input.recordsAffected ?? null}, ${input.bytesAffected ?? null},
      coalesce(${input.updatedAt ?? null}::text::timestamptz, now()))
    returning id, slug
  `;
  return row!;
}

/** Marks `duplicateId` as merged into `targetId`, as the merge mutation would leave it. */
export async function mergeIncident(sql: Sql, duplicateId: string, targetId: string): Promise<void> {
  await sql`update incidents set merged_into_id = ${targetId} where id = ${duplicateId}`;
}

export async function addIncidentActor(sql: Sql, incidentId: string, actorId: string, role: string): Promise<void> {
  await sql`insert into incident_actors (incident_id, actor_id, role) values (${incidentId}, ${actorId}, ${role})`;
}

export async function addIncidentAiSystem(sql: Sql, incidentId: string, systemId: string, role: string, usage = ''): Promise<void> {
  await sql`
    insert into incident_ai_systems (incident_id, ai_system_id, role, usage)
    values (${incidentId}, ${systemId}, ${role}, ${usage})
  `;
}

export async function addIncidentTechnique(sql: Sql, incidentId: string, techniqueId: string): Promise<void> {
  await sql`insert into incident_techniques (incident_id, technique_id) values (${incidentId}, ${techniqueId})`;
}

export interface ReportInput {
  url?: string;
  publisher?: string;
  title?: string;
  language?: string;
  publishedOn?: string | null;
  /** Defaults to 'day' with a date, 'unknown' without. */
  publishedPrecision?: string;
}

export interface CreatedReport {
  id: string;
  url: string;
}

/** Inserts a report whose URL is already canonical, so url_key equals url. */
export async function createReport(sql: Sql, input: ReportInput = {}): Promise<CreatedReport> {
  const url = input.url ?? `https://news.example.com/${uniqueSlug('story')}`;
  const publishedOn = input.publishedOn ?? null;
  const [row] = await sql<CreatedReport[]>`
    insert into reports (url, url_key, publisher, title, language, published_on, published_precision)
    values (${url}, ${url}, ${input.publisher ?? 'Example News'}, ${input.title ?? `Report ${url}`},
      ${input.language ?? 'en'}, ${publishedOn}::date, ${input.publishedPrecision ?? (publishedOn ? 'day' : 'unknown')})
    returning id, url
  `;
  return row!;
}

export async function createTopic(sql: Sql, input: { slug?: string; name?: string } = {}): Promise<Created> {
  const slug = input.slug ?? uniqueSlug('topic');
  const [row] = await sql<Created[]>`
    insert into policy_topics (slug, name) values (${slug}, ${input.name ?? `Topic ${slug}`}) returning id, slug
  `;
  return row!;
}

export interface PositionInput {
  actorId: string;
  topicId: string;
  sourceReportId: string;
  stance?: string;
  summary?: string;
  statedOn?: string | null;
  /** Defaults to 'day' with a date, 'unknown' without. */
  statedPrecision?: string;
}

/** Inserts a policy position citing one report (current unless a later stated one supersedes it); returns its id. */
export async function createPosition(sql: Sql, input: PositionInput): Promise<{ id: string }> {
  const statedOn = input.statedOn ?? null;
  const [row] = await sql<{ id: string }[]>`
    with position as (
      insert into policy_positions (actor_id, topic_id, stance, summary, stated_on, stated_precision)
      values (${input.actorId}, ${input.topicId}, ${input.stance ?? 'supports'}, ${input.summary ?? 'A stated position.'},
        ${statedOn}::date, ${input.statedPrecision ?? (statedOn ? 'day' : 'unknown')})
      returning id
    )
    insert into citations (position_id, report_id) select id, ${input.sourceReportId} from position returning position_id as id
  `;
  return row!;
}

export async function linkReport(sql: Sql, incidentId: string, reportId: string): Promise<void> {
  await sql`insert into incident_reports (incident_id, report_id) values (${incidentId}, ${reportId})`;
}

/** Loads the MITRE ATLAS reference data (cloned test databases are migrated but empty). */
export async function loadTechniqueTable(sql: Sql): Promise<void> {
  const { loadTechniques } = await import('../../src/data/seed.js');
  await loadTechniques(sql);
}

export interface GraphFixture {
  incidentIds: string[];
}

/**
 * `count` incidents, each with its own 2 actors (the first affiliated with an organisation), 2 AI systems
 * (each with a developer), 2 techniques, 3 reports and 1 citing position (actor, topic, source report):
 * enough distinct rows behind every nested field that an unbatched resolver would show in the statement
 * count. Written set-wise, a handful of statements whatever `count` is. Needs the technique table loaded.
 */
export async function createIncidentGraph(sql: Sql, count: number, prefix = uniqueSlug('graph')): Promise<GraphFixture> {
  return sql.begin(async (tx) => {
    const incidents = await tx<{ id: string }[]>`
      insert into incidents (slug, title, severity, occurred_start, occurred_precision)
      select ${prefix} || '-incident-' || n, 'Graph incident ' || n, 'high',
        date '2025-01-01' + n, 'day'
      from generate_series(1, ${count}) n
      returning id
    `;
    await tx`
      insert into actors (slug, name, kind)
      select ${prefix} || '-org-' || n, 'Organisation ' || n, 'ai_developer' from generate_series(1, ${count}) n
    `;
    await tx`
      insert into actors (slug, name, kind, affiliation_id)
      select ${prefix} || '-person-' || n, 'Person ' || n, 'person', o.id
      from generate_series(1, ${count}) n join actors o on o.slug = ${prefix} || '-org-' || n
    `;
    await tx`
      insert into ai_systems (slug, name, developer_id)
      select ${prefix} || '-system-' || n || '-' || k, 'System ' || n || '.' || k, o.id
      from generate_series(1, ${count}) n cross join generate_series(1, 2) k
      join actors o on o.slug = ${prefix} || '-org-' || n
    `;
    await tx`
      insert into reports (url, url_key, publisher, title, published_on, published_precision)
      select u, u, 'Graph News', 'Graph report ' || n || '.' || k, date '2025-06-01' + n + k, 'day'
      from generate_series(1, ${count}) n cross join generate_series(1, 3) k
      cross join lateral (select 'https://graph.example.com/' || ${prefix} || '/' || n || '/' || k as u) url
    `;
    await tx`
      insert into policy_topics (slug, name) select ${prefix} || '-topic-' || n, 'Topic ' || n from generate_series(1, ${count}) n
    `;
    const ids = incidents.map((row) => row.id);
    await tx`
      insert into incident_actors (incident_id, actor_id, role)
      select i.id, a.id, case when a.kind = 'person' then 'attacker' else 'developer' end
      from incidents i
      join actors a on a.slug in (${prefix} || '-org-' || substring(i.slug from '([0-9]+)$'), ${prefix} || '-person-' || substring(i.slug from '([0-9]+)$'))
      where i.id = any(${ids})
    `;
    await tx`
      insert into incident_ai_systems (incident_id, ai_system_id, role, usage)
      select i.id, s.id, case when s.slug like '%-1' then 'primary_tool' else 'supplementary_tool' end, 'Used.'
      from incidents i
      join ai_systems s on s.slug like ${prefix} || '-system-' || substring(i.slug from '([0-9]+)$') || '-_'
      where i.id = any(${ids})
    `;
    await tx`
      insert into incident_techniques (incident_id, technique_id)
      select i.id, t from incidents i cross join unnest(array['AML.T0054', 'AML.T0065']) t where i.id = any(${ids})
    `;
    await tx`
      insert into incident_reports (incident_id, report_id)
      select i.id, r.id
      from incidents i
      join reports r on r.url like 'https://graph.example.com/' || ${prefix} || '/' || substring(i.slug from '([0-9]+)$') || '/_'
      where i.id = any(${ids})
    `;
    await tx`
      with positions as (
        insert into policy_positions (actor_id, topic_id, stance, summary)
        select o.id, t.id, 'opposes', 'Position on incident ' || n
        from generate_series(1, ${count}) n
        join actors o on o.slug = ${prefix} || '-org-' || n
        join policy_topics t on t.slug = ${prefix} || '-topic-' || n
        returning id, topic_id
      ),
      cited as (
        insert into citations (position_id, report_id)
        select p.id, r.id
        from positions p join policy_topics t on t.id = p.topic_id
        join reports r on r.url = 'https://graph.example.com/' || ${prefix} || '/' || substring(t.slug from '([0-9]+)$') || '/1'
      )
      insert into policy_position_incidents (position_id, incident_id)
      select p.id, i.id
      from positions p join policy_topics t on t.id = p.topic_id
      join incidents i on i.slug = ${prefix} || '-incident-' || substring(t.slug from '([0-9]+)$')
    `;
    return { incidentIds: ids };
  });
}

/** The `data` of a GraphQL response that must have succeeded; otherwise fails with the errors it got. */
export function dataOf<T>(response: { status: number; body: { data?: T | null; errors?: unknown[] } }): T {
  if (response.body.errors?.length || response.body.data == null) {
    throw new Error(`expected data without errors, got HTTP ${response.status}: ${JSON.stringify(response.body.errors ?? response.body)}`);
  }
  return response.body.data;
}
