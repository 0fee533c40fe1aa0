import type { Queryable, Sql } from '../db/index.js';
import { announce, attributesBefore } from '../live/topic.js';
import { incidentTopic } from '../live/topics/incident.js';
import { reportTopic } from '../live/topics/report.js';
import type { AtlasCaseStudy, AtlasData, AtlasTechnique } from './atlas.js';
import { ATLAS_SOURCE, namedParty, resolveActors, resolveAiSystems } from './atlas-parties.js';
import { noticeCatalogChange } from './catalog-notice.js';
import { writeTransaction } from './transactions.js';
import { cleanReportUrl, normalizeReportUrl } from './urls.js';

export interface AtlasImportSummary {
  techniques: { total: number; inserted: number; updated: number };
  incidents: { total: number; inserted: number; updated: number };
  /** Actors and AI systems the case studies name: matched to records already there, or created. */
  actors: { matched: number; created: number };
  aiSystems: { matched: number; created: number };
  reports: { total: number; inserted: number };
  /** Incident-technique and incident-report links added by this run. */
  links: { techniques: number; reports: number };
  /** References left out, with the reason (a URL that is not http(s), say). */
  skippedReferences: string[];
}

// The transaction handle: these steps only ever run inside importAtlas's one transaction.
type Transaction = Queryable;

interface TechniqueRow {
  id: string;
  name: string;
  kind: string;
  parent_id: string | null;
  tactic_ids: string[];
}

interface IncidentRow {
  slug: string;
  title: string;
  summary: string;
  status: string;
  severity: null;
  kind: 'incident' | 'exercise';
  imported_from: typeof ATLAS_SOURCE;
  occurred_start: string;
  occurred_precision: string;
}


interface ReportRow {
  url: string;
  url_key: string;
  publisher: string;
  title: string;
  language: string;
  published_precision: string;
}

// Bulk inserts bind one parameter per cell; PostgreSQL allows 65535 per statement.
const CHUNK_ROWS = 1000;

function chunks<T>(rows: T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) result.push(rows.slice(start, start + CHUNK_ROWS));
  return result;
}

function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

/** The slug an ATLAS case study is imported under: AML.CS0012 -> atlas-aml-cs0012. */
export function atlasIncidentSlug(caseStudyId: string): string {
  return `atlas-${caseStudyId.toLowerCase().replace(/\./g, '-')}`;
}

// A neutral line of our own: MITRE's case-study summaries are their prose and are not copied.
function incidentSummary(study: AtlasCaseStudy): string {
  const kind = study.type === 'exercise' ? 'a research or red-team exercise' : study.type === 'incident' ? 'an incident' : 'a case study';
  const parts = [`Imported from MITRE ATLAS case study ${study.id}, ${kind}.`];
  if (study.target) parts.push(`Target: ${study.target}.`);
  if (study.actor) parts.push(`Actor: ${study.actor}.`);
  return clip(parts.join(' '), 2000);
}

function incidentRow(study: AtlasCaseStudy): IncidentRow {
  return {
    slug: atlasIncidentSlug(study.id),
    title: clip(study.name, 300),
    summary: incidentSummary(study),
    // An exercise demonstrated an attack rather than suffering one: it stays "reported", not "confirmed".
    status: study.type === 'incident' ? 'confirmed' : 'reported',
    // ATLAS assesses no severity, and severity is our judgement: it stays unassessed until an editor sets it.
    severity: null,
    kind: study.type === 'exercise' ? 'exercise' : 'incident',
    imported_from: ATLAS_SOURCE,
    occurred_start: study.date,
    occurred_precision: study.precision,
  };
}

async function upsertTechniques(sql: Transaction, techniques: AtlasTechnique[]): Promise<AtlasImportSummary['techniques']> {
  const rows: TechniqueRow[] = techniques.map((t) => ({
    id: t.id,
    name: t.name,
    kind: t.kind,
    parent_id: t.parentId,
    tactic_ids: t.tacticIds,
  }));
  let inserted = 0;
  let updated = 0;
  // Parents precede children in `techniques`, and chunks run in order, so every parent exists in time.
  for (const chunk of chunks(rows)) {
    // xmax = 0 marks a row this statement inserted rather than updated; unchanged rows are not returned.
    const result: Array<{ inserted: boolean }> = await sql`
      insert into techniques ${sql(chunk, 'id', 'name', 'kind', 'parent_id', 'tactic_ids')}
      on conflict (id) do update set
        name = excluded.name,
        kind = excluded.kind,
        parent_id = excluded.parent_id,
        tactic_ids = excluded.tactic_ids
      where (techniques.name, techniques.kind, techniques.parent_id, techniques.tactic_ids)
        is distinct from (excluded.name, excluded.kind, excluded.parent_id, excluded.tactic_ids)
      returning (xmax = 0) as inserted
    `;
    // One notice for the lot: caches forget every technique, whichever changed.
    if (result.length > 0) await noticeCatalogChange(sql, { type: 'Technique', id: '*' });
    for (const row of result) {
      if (row.inserted) inserted++;
      else updated++;
    }
  }
  return { total: rows.length, inserted, updated };
}

/** Incidents by slug, and which of them this run created or changed. */
interface UpsertedIncidents {
  summary: AtlasImportSummary['incidents'];
  created: string[];
  changed: string[];
}

async function upsertIncidents(sql: Transaction, rows: IncidentRow[]): Promise<UpsertedIncidents> {
  const created: string[] = [];
  const changed: string[] = [];
  for (const chunk of chunks(rows)) {
    // Status and severity are set on creation only: an editor may have curated them since. A changed row
    // gets a new version, so an editor holding the old one is told it changed under them.
    const result: Array<{ id: string; inserted: boolean }> = await sql`
      insert into incidents ${sql(chunk, 'slug', 'title', 'summary', 'status', 'severity', 'kind', 'imported_from', 'occurred_start', 'occurred_precision')}
      on conflict (slug) do update set
        title = excluded.title,
        summary = excluded.summary,
        kind = excluded.kind,
        imported_from = excluded.imported_from,
        occurred_start = excluded.occurred_start,
        occurred_end = null,
        occurred_precision = excluded.occurred_precision,
        version = incidents.version + 1,
        updated_at = now()
      where (incidents.title, incidents.summary, incidents.kind, incidents.imported_from, incidents.occurred_start,
             incidents.occurred_end, incidents.occurred_precision)
        is distinct from (excluded.title, excluded.summary, excluded.kind, excluded.imported_from, excluded.occurred_start,
             null::date, excluded.occurred_precision)
      returning id::text as id, (xmax = 0) as inserted
    `;
    for (const row of result) (row.inserted ? created : changed).push(row.id);
  }
  return { summary: { total: rows.length, inserted: created.length, updated: changed.length }, created, changed };
}

function reportRows(studies: AtlasCaseStudy[], skipped: string[]): { rows: ReportRow[]; links: Array<[string, string]> } {
  const byKey = new Map<string, ReportRow>();
  const links: Array<[string, string]> = [];
  const linked = new Set<string>();
  for (const study of studies) {
    for (const reference of study.references) {
      let urlKey: string;
      try {
        urlKey = normalizeReportUrl(reference.url);
      } catch (error) {
        skipped.push(`${study.id}: ${(error as Error).message}`);
        continue;
      }
      const url = cleanReportUrl(reference.url.trim());
      if (url.length > 2000 || urlKey.length > 2000) {
        skipped.push(`${study.id}: URL longer than 2000 characters`);
        continue;
      }
      // The same article is often cited by several case studies: one report, several links.
      if (!byKey.has(urlKey)) {
        const host = new URL(urlKey).hostname.replace(/^www\./, '');
        byKey.set(urlKey, {
          url,
          url_key: urlKey,
          publisher: clip(host, 200),
          title: clip(reference.title ?? url, 500),
          language: 'en',
          published_precision: 'unknown',
        });
      }
      const link = `${atlasIncidentSlug(study.id)} ${urlKey}`;
      if (!linked.has(link)) {
        linked.add(link);
        links.push([atlasIncidentSlug(study.id), urlKey]);
      }
    }
  }
  return { rows: [...byKey.values()], links };
}

/** Options of an import; `announce: false` exists only to measure what announcing costs (bench/import-events.ts). */
export interface AtlasImportOptions {
  announce?: boolean;
}

// Everything in one transaction: a file that fails half-way leaves the database as it was. It appends its
// events like any other write, in bulk: incidents created or changed, reports added, and reports already on
// record that this import linked to an incident (report_attached), each with the attributes from before.
/** Upserts ATLAS techniques and case studies (as incidents with techniques and reports); re-running updates, never duplicates. */
export async function importAtlas(sql: Sql, atlas: AtlasData, options: AtlasImportOptions = {}): Promise<AtlasImportSummary> {
  const announcing = options.announce ?? true;
  return writeTransaction(sql, async (tx) => {
    const techniques = await upsertTechniques(tx, atlas.techniques);
    const slugs = atlas.caseStudies.map((study) => atlasIncidentSlug(study.id));
    const existing = await idsBy(tx, 'incidents', 'slug', slugs);
    const incidentsBefore = announcing ? await attributesBefore(tx, incidentTopic, [...existing.values()]) : new Map();
    const incidents = await upsertIncidents(tx, atlas.caseStudies.map(incidentRow));
    const incidentIds = await idsBy(tx, 'incidents', 'slug', slugs);

    // Procedure steps may name techniques the taxonomy no longer has; those steps are left out.
    const known = new Set((await tx<{ id: string }[]>`select id from techniques`).map((row) => row.id));
    const techniqueLinks = atlas.caseStudies.flatMap((study) =>
      study.techniqueIds
        .filter((id) => known.has(id))
        .map((technique_id) => ({ incident_id: incidentIds.get(atlasIncidentSlug(study.id))!, technique_id })),
    );
    const relinked = new Set<string>();
    let linkedTechniques = 0;
    for (const chunk of chunks(techniqueLinks)) {
      // Links are only added: a technique an editor linked by hand stays.
      const added: Array<{ incident_id: string }> = await tx`
        insert into incident_techniques ${tx(chunk, 'incident_id', 'technique_id')}
        on conflict do nothing
        returning incident_id::text as incident_id
      `;
      linkedTechniques += added.length;
      for (const row of added) relinked.add(row.incident_id);
    }

    const parties = await linkParties(tx, atlas.caseStudies, incidentIds, relinked);

    const skippedReferences: string[] = [];
    const { rows, links } = reportRows(atlas.caseStudies, skippedReferences);
    const addedReports: string[] = [];
    for (const chunk of chunks(rows)) {
      // A report already on record keeps its curated title and date: the URL is the same article.
      const added: Array<{ id: string }> = await tx`
        insert into reports ${tx(chunk, 'url', 'url_key', 'publisher', 'title', 'language', 'published_precision')}
        on conflict (url_key) do nothing
        returning id::text as id
      `;
      for (const row of added) addedReports.push(row.id);
    }
    const reportIds = await idsBy(tx, 'reports', 'url_key', rows.map((row) => row.url_key));
    const added = new Set(addedReports);
    // Reports already on record get new links: their attributes change, so read them before.
    const reportsBefore = announcing
      ? await attributesBefore(tx, reportTopic, [...reportIds.values()].filter((id) => !added.has(id)))
      : new Map();
    const reportLinks = links.map(([slug, urlKey]) => ({
      incident_id: incidentIds.get(slug)!,
      report_id: reportIds.get(urlKey)!,
    }));
    const attached = new Set<string>();
    let linkedReports = 0;
    for (const chunk of chunks(reportLinks)) {
      const inserted: Array<{ incident_id: string; report_id: string }> = await tx`
        insert into incident_reports ${tx(chunk, 'incident_id', 'report_id')}
        on conflict do nothing
        returning incident_id::text as incident_id, report_id::text as report_id
      `;
      linkedReports += inserted.length;
      for (const row of inserted) {
        relinked.add(row.incident_id);
        if (!added.has(row.report_id)) attached.add(row.report_id);
      }
    }

    if (announcing) {
      const created = new Set(incidents.created);
      const updated = [...new Set([...incidents.changed, ...relinked])].filter((id) => !created.has(id));
      await announce(tx, incidentTopic, 'incident_created', incidents.created.map((id) => ({ id })));
      await announce(tx, incidentTopic, 'incident_updated', updated.map((id) => ({ id, previous: incidentsBefore.get(id) ?? null })));
      await announce(tx, reportTopic, 'report_added', addedReports.map((id) => ({ id })));
      await announce(tx, reportTopic, 'report_attached', [...attached].map((id) => ({ id, previous: reportsBefore.get(id)! })));
    }

    return {
      techniques,
      incidents: incidents.summary,
      actors: parties.actors,
      aiSystems: parties.aiSystems,
      reports: { total: rows.length, inserted: addedReports.length },
      links: { techniques: linkedTechniques, reports: linkedReports },
      skippedReferences,
    };
  });
}

/**
 * Links each case study's actor (attacker in an incident, researcher in an exercise) and target (an AI
 * system, role target), finding or creating them; adds the ids of incidents that gained a link to `relinked`.
 * Links are only added, and a second run adds none.
 */
async function linkParties(
  tx: Transaction,
  studies: AtlasCaseStudy[],
  incidentIds: Map<string, string>,
  relinked: Set<string>,
): Promise<Pick<AtlasImportSummary, 'actors' | 'aiSystems'>> {
  const named = studies.map((study) => ({
    incidentId: incidentIds.get(atlasIncidentSlug(study.id))!,
    actor: namedParty(study.actor),
    target: namedParty(study.target),
    role: study.type === 'exercise' ? 'researcher' : 'attacker',
  }));
  const actors = await resolveActors(tx, named.flatMap((n) => (n.actor ? [n.actor] : [])));
  const systems = await resolveAiSystems(tx, named.flatMap((n) => (n.target ? [n.target] : [])));
  // The note keeps ATLAS's wording, so a link to a record of another spelling shows what ATLAS said.
  const actorLinks = named.flatMap((n) =>
    n.actor ? [{ incident_id: n.incidentId, actor_id: actors.ids.get(n.actor.toLowerCase())!, role: n.role, note: `MITRE ATLAS names the actor: ${n.actor}` }] : [],
  );
  const systemLinks = named.flatMap((n) =>
    n.target
      ? [{ incident_id: n.incidentId, ai_system_id: systems.ids.get(n.target.toLowerCase())!, role: 'target', usage: `MITRE ATLAS names the target: ${n.target}` }]
      : [],
  );
  for (const chunk of chunks(actorLinks)) {
    const added = await tx<{ incident_id: string }[]>`
      insert into incident_actors ${tx(chunk)}
      on conflict do nothing
      returning incident_id::text as incident_id
    `;
    for (const row of added) relinked.add(row.incident_id);
  }
  for (const chunk of chunks(systemLinks)) {
    const added = await tx<{ incident_id: string }[]>`
      insert into incident_ai_systems ${tx(chunk)}
      on conflict do nothing
      returning incident_id::text as incident_id
    `;
    for (const row of added) relinked.add(row.incident_id);
  }
  return {
    actors: { matched: actors.matched, created: actors.created },
    aiSystems: { matched: systems.matched, created: systems.created },
  };
}

/** Ids of the rows of `table` whose `column` is one of `values`, by that value. */
async function idsBy(tx: Transaction, table: 'incidents' | 'reports', column: 'slug' | 'url_key', values: string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const chunk of chunks(values)) {
    const found = await tx<{ id: string; key: string }[]>`select id::text as id, ${tx(column)} as key from ${tx(table)} where ${tx(column)} in ${tx(chunk)}`;
    for (const row of found) ids.set(row.key, row.id);
  }
  return ids;
}
