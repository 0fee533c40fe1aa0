// The bulk write behind `npm run import`: a batch of validated `faultline.incident/1` records
// (src/export/record.ts) in one transaction, set-based (every kind of row is one statement over the whole
// batch, read with jsonb_to_recordset), matched by natural keys so that importing the same file again
// changes nothing: actors and AI systems by slug, incidents by slug, reports by their identity (the
// normalised URL, or else what is known of them: reports.source_key), techniques by ATLAS id.
//
// What is on record wins: an incident, actor, AI system or report that already exists keeps its fields (an
// editor changes those through the API, with a version); the import only adds what is missing, links
// included. The exceptions are values on record as unknown that the file knows: an actor's null country (a
// file written before developers carried theirs named an actor first as a developer, with no country, and
// later as a party) and an AI system's empty description (files written before descriptions were exported).
// A known value is never overwritten.
import type { Queryable, Sql } from '../db/index.js';
import type { IncidentRecord, ReportRecord } from '../export/record.js';
import { attributesBefore, announce } from '../live/topic.js';
import { incidentTopic } from '../live/topics/incident.js';
import { reportTopic, type ReportAttributes } from '../live/topics/report.js';
import { noticeCatalogChange } from './catalog-notice.js';
import { reportAttributesOf } from './event-capture.js';
import { writeTransaction } from './transactions.js';

/** What one batch (or a whole import) added. */
export interface BulkImportCounts {
  incidentsCreated: number;
  /** Incidents already on record (by slug): their fields are kept; missing links are added. */
  incidentsExisting: number;
  /** Existing incidents that gained a link (actor, AI system, technique, citation). */
  incidentsUpdated: number;
  actorsCreated: number;
  aiSystemsCreated: number;
  reportsCreated: number;
  linksAdded: number;
  citationsAdded: number;
  eventsAppended: number;
}

export function emptyCounts(): BulkImportCounts {
  return {
    incidentsCreated: 0, incidentsExisting: 0, incidentsUpdated: 0, actorsCreated: 0, aiSystemsCreated: 0,
    reportsCreated: 0, linksAdded: 0, citationsAdded: 0, eventsAppended: 0,
  };
}

/** Adds `b` into `a`. */
export function addCounts(a: BulkImportCounts, b: BulkImportCounts): void {
  for (const key of Object.keys(a) as (keyof BulkImportCounts)[]) a[key] += b[key];
}

/** A report's identity as the database keys it: its url_key, or else reports.source_key (migration 005). */
function reportIdentity(report: ReportRecord): string {
  if (report.urlKey !== null) return `u|${report.urlKey}`;
  const lower = (value: string | null) => (value ?? '').toLowerCase();
  return `s|${lower(report.publisher)}|${lower(report.describedAs)}|${report.published.precision}|${report.published.date ?? ''}|${lower(report.title)}`;
}

/** The ATLAS ids on record: lines naming another one are refused before they reach a batch. */
export async function knownTechniqueIds(sql: Queryable): Promise<Set<string>> {
  return new Set((await sql<{ id: string }[]>`select id from techniques`).map((row) => row.id));
}

/**
 * Writes one batch of records in one transaction and appends its events in bulk: incident_created for new
 * incidents, incident_updated for existing ones that gained links, report_added and report_attached.
 */
export async function importBatch(sql: Sql, records: readonly IncidentRecord[]): Promise<BulkImportCounts> {
  return writeTransaction(sql, (tx) => writeBatch(tx, records));
}

async function writeBatch(tx: Queryable, records: readonly IncidentRecord[]): Promise<BulkImportCounts> {
  const counts = emptyCounts();
  // Each statement below handles a whole batch, which PostgreSQL's estimate takes for a query worth
  // JIT-compiling; compiling costs more than running it (as for appendEvents' bulk appends).
  await tx`set local jit = off`;

  // ---- Actors: the parties and the developers, each once; the first row naming an actor wins, unless it
  // does not know the country and a later one does. Where an importer created an actor (imported_from) is
  // kept too, so a file's provenance survives the trip.
  type ActorRow = { slug: string; name: string; kind: string; country: string | null; imported_from: string | null };
  const actors = new Map<string, ActorRow>();
  const addActor = (row: ActorRow) => {
    const known = actors.get(row.slug);
    if (!known || (known.country === null && row.country !== null)) actors.set(row.slug, row);
  };
  for (const record of records) {
    for (const a of record.actors) addActor({ slug: a.slug, name: a.name, kind: a.kind, country: a.country, imported_from: a.importedFrom });
    for (const s of record.aiSystems) {
      for (const developer of [s.developer, s.parent?.developer]) {
        if (!developer) continue;
        // `country` is absent from files written before developers carried it: unknown.
        addActor({ slug: developer.slug, name: developer.name, kind: developer.kind, country: developer.country ?? null, imported_from: developer.importedFrom });
      }
    }
  }
  if (actors.size > 0) {
    const inserted = await tx<{ inserted: boolean }[]>`
      insert into actors (slug, name, kind, country, imported_from)
      select x.slug, x.name, x.kind, x.country, x.imported_from
      from jsonb_to_recordset(${tx.json([...actors.values()] as never)}) as x(slug text, name text, kind text, country text, imported_from text)
      -- Keys in one order in every batch: two batches written at once wait on each other's new rows, never in a cycle.
      order by x.slug collate "C"
      on conflict (slug) do update set country = excluded.country, updated_at = now()
        where actors.country is null and excluded.country is not null
      returning (xmax = 0) as inserted
    `;
    counts.actorsCreated = inserted.filter((row) => row.inserted).length;
    // Actors append no event: caches of them hear of new (or newly located) ones on the catalog channel.
    if (inserted.length > 0) await noticeCatalogChange(tx, { type: 'Actor', id: '*' });
  }

  // ---- AI systems, with their developer by slug, and each version's product family (whole in the record,
  // so it can be created here too). A family is written before its versions, and only systems this import
  // creates get their family set: a system on record keeps its own.
  // A system whose developer the file does not know gets none (developer_id is nullable: migration 025).
  // A description the file does not know (null, or absent from an older file) is stored as "", the column's
  // "none"; one row naming the system with a description is enough for it.
  type SystemRow = {
    slug: string; name: string; kind: string; description: string | null; developer: string | null; parent: string | null;
    imported_from: string | null;
  };
  const systems = new Map<string, SystemRow>();
  const addSystem = (row: SystemRow) => {
    const known = systems.get(row.slug);
    if (!known) systems.set(row.slug, row);
    else if (known.parent === null && row.parent !== null) systems.set(row.slug, { ...row, description: row.description ?? known.description });
    else if (known.description === null) known.description = row.description;
  };
  for (const record of records) {
    for (const s of record.aiSystems) {
      if (s.parent) {
        addSystem({
          slug: s.parent.slug, name: s.parent.name, kind: s.parent.kind, description: s.parent.description ?? null,
          developer: s.parent.developer?.slug ?? null, parent: null, imported_from: s.parent.importedFrom,
        });
      }
      addSystem({
        slug: s.slug, name: s.name, kind: s.kind, description: s.description ?? null, developer: s.developer?.slug ?? null,
        parent: s.parent?.slug ?? null, imported_from: s.importedFrom,
      });
    }
  }
  if (systems.size > 0) {
    const given = [...systems.values()];
    const written = await tx<{ slug: string; inserted: boolean }[]>`
      insert into ai_systems (slug, name, kind, description, developer_id, imported_from)
      select x.slug, x.name, x.kind, coalesce(x.description, ''), d.id, x.imported_from
      from jsonb_to_recordset(${tx.json(given as never)}) as x(slug text, name text, kind text, description text, developer text, imported_from text)
      left join actors d on d.slug = x.developer
      order by x.slug collate "C"
      on conflict (slug) do update set description = excluded.description, updated_at = now()
        where ai_systems.description = '' and excluded.description <> ''
      returning slug, (xmax = 0) as inserted
    `;
    const created = written.filter((row) => row.inserted);
    counts.aiSystemsCreated = created.length;
    // Like actors, systems append no event: new or newly described ones are announced on the catalog channel.
    if (written.length > 0) await noticeCatalogChange(tx, { type: 'AiSystem', id: '*' });
    const createdSlugs = new Set(created.map((row) => row.slug));
    const families = given.filter((s) => s.parent !== null && createdSlugs.has(s.slug)).map((s) => ({ slug: s.slug, parent: s.parent }));
    if (families.length > 0) {
      await tx`
        update ai_systems s set parent_id = p.id
        from jsonb_to_recordset(${tx.json(families as never)}) as x(slug text, parent text)
        join ai_systems p on p.slug = x.parent
        where s.slug = x.slug and p.id <> s.id
      `;
    }
  }

  // ---- Incidents: created when the slug is new, kept as they are otherwise.
  const incidentRows = records.map((r) => ({
    slug: r.slug,
    title: r.title,
    summary: r.summary,
    status: r.status,
    kind: r.kind,
    imported_from: r.importedFrom,
    severity: r.assessment.severity,
    occurred_start: r.occurred.start,
    occurred_end: r.occurred.end,
    occurred_precision: r.occurred.precision,
    disclosed_on: r.disclosed.date,
    disclosed_precision: r.disclosed.precision,
    countries: r.countries,
    sectors: r.assessment.sectors,
    records_affected: r.impact.records?.value ?? null,
    records_affected_approximate: r.impact.records?.approximate ?? false,
    bytes_affected: r.impact.bytes?.value ?? null,
    bytes_affected_approximate: r.impact.bytes?.approximate ?? false,
    data_categories: r.impact.dataCategories,
  }));
  const slugs = [...new Set(records.map((r) => r.slug))];
  const existingRows = await tx<{ id: string; slug: string }[]>`
    select id::text as id, slug from incidents where slug = any(${slugs}::text[])
  `;
  const existing = new Set(existingRows.map((row) => row.id));
  counts.incidentsExisting = existingRows.length;
  const before = existing.size > 0 ? await attributesBefore(tx, incidentTopic, [...existing]) : new Map();
  const createdIncidents = await tx<{ id: string }[]>`
    insert into incidents (slug, title, summary, status, kind, imported_from, severity, occurred_start, occurred_end,
      occurred_precision, disclosed_on, disclosed_precision, countries, sectors, records_affected,
      records_affected_approximate, bytes_affected, bytes_affected_approximate, data_categories)
    select x.slug, x.title, x.summary, x.status, x.kind, x.imported_from, x.severity, x.occurred_start, x.occurred_end, x.occurred_precision,
      x.disclosed_on, x.disclosed_precision,
      array(select jsonb_array_elements_text(x.countries)), array(select jsonb_array_elements_text(x.sectors)),
      x.records_affected, x.records_affected_approximate, x.bytes_affected, x.bytes_affected_approximate,
      array(select jsonb_array_elements_text(x.data_categories))
    from jsonb_to_recordset(${tx.json(incidentRows as never)}) as x(
      slug text, title text, summary text, status text, kind text, imported_from text, severity text, occurred_start date, occurred_end date,
      occurred_precision text, disclosed_on date, disclosed_precision text, countries jsonb, sectors jsonb,
      records_affected bigint, records_affected_approximate boolean, bytes_affected bigint,
      bytes_affected_approximate boolean, data_categories jsonb)
    order by x.slug collate "C"
    on conflict (slug) do nothing
    returning id::text as id
  `;
  counts.incidentsCreated = createdIncidents.length;

  // ---- Links: one statement per kind over the batch, keyed by natural keys; only missing ones are added.
  const touched = new Set<string>();
  const actorLinks = records.flatMap((r) => r.actors.map((a) => ({ incident: r.slug, actor: a.slug, role: a.role, note: a.note })));
  const systemLinks = records.flatMap((r) => r.aiSystems.map((s) => ({ incident: r.slug, system: s.slug, role: s.role, usage: s.usage })));
  const techniqueLinks = records.flatMap((r) => r.techniques.map((t) => ({ incident: r.slug, technique: t })));
  const linked = await tx<{ incident_id: string }[]>`
    with actor_links as (
      insert into incident_actors (incident_id, actor_id, role, note)
      select i.id, a.id, x.role, x.note
      from jsonb_to_recordset(${tx.json(actorLinks as never)}) as x(incident text, actor text, role text, note text)
      join incidents i on i.slug = x.incident join actors a on a.slug = x.actor
      on conflict do nothing
      returning incident_id
    ), system_links as (
      insert into incident_ai_systems (incident_id, ai_system_id, role, usage)
      select i.id, s.id, x.role, x.usage
      from jsonb_to_recordset(${tx.json(systemLinks as never)}) as x(incident text, system text, role text, usage text)
      join incidents i on i.slug = x.incident join ai_systems s on s.slug = x.system
      on conflict do nothing
      returning incident_id
    ), technique_links as (
      insert into incident_techniques (incident_id, technique_id)
      select i.id, x.technique
      from jsonb_to_recordset(${tx.json(techniqueLinks as never)}) as x(incident text, technique text)
      join incidents i on i.slug = x.incident
      on conflict do nothing
      returning incident_id
    )
    select incident_id::text as incident_id from actor_links
    union all select incident_id::text from system_links
    union all select incident_id::text from technique_links
  `;
  counts.linksAdded += linked.length;
  for (const row of linked) touched.add(row.incident_id);

  // ---- Reports, by identity; a report on record keeps its fields.
  const reports = new Map<string, ReportRecord>();
  const citations: Array<{ incident: string; report: string; claim: string; excerpt: string | null; locator: string | null }> = [];
  for (const r of records) {
    const cite = (claim: string, list: IncidentRecord['citations']) => {
      for (const c of list) {
        const identity = reportIdentity(c.report);
        if (!reports.has(identity)) reports.set(identity, c.report);
        citations.push({ incident: r.slug, report: identity, claim, excerpt: c.excerpt, locator: c.locator });
      }
    };
    cite('record', r.citations);
    if (r.impact.records) cite('records_affected', r.impact.records.citations);
    if (r.impact.bytes) cite('bytes_affected', r.impact.bytes.citations);
    cite('data_categories', r.impact.dataCategoriesCitations);
  }
  const reportRows = [...reports.entries()].map(([identity, report]) => ({
    identity,
    url: report.url,
    url_key: report.urlKey,
    publisher: report.publisher,
    described_as: report.describedAs,
    title: report.title,
    summary: report.summary,
    language: report.language,
    published_on: report.published.date,
    published_precision: report.published.precision,
  }));
  const reportIds = new Map<string, string>();
  const addedReports = new Set<string>();
  if (reportRows.length > 0) {
    const added = await tx<{ id: string }[]>`
      insert into reports (url, url_key, publisher, described_as, title, summary, language, published_on, published_precision)
      select x.url, x.url_key, x.publisher, x.described_as, x.title, x.summary, x.language, x.published_on, x.published_precision
      from jsonb_to_recordset(${tx.json(reportRows as never)}) as x(identity text, url text, url_key text, publisher text,
        described_as text, title text, summary text, language text, published_on date, published_precision text)
      order by x.identity collate "C"
      on conflict do nothing
      returning id::text as id
    `;
    for (const row of added) addedReports.add(row.id);
    counts.reportsCreated = added.length;
    // The same identity rule as the unique keys: url_key, else source_key computed by the database's function.
    const found = await tx<{ identity: string; id: string }[]>`
      with given as (
        select * from jsonb_to_recordset(${tx.json(reportRows as never)}) as x(identity text, url_key text, publisher text,
          described_as text, title text, published_on date, published_precision text)
      )
      select g.identity, r.id::text as id from given g join reports r on r.url_key = g.url_key
      union all
      select g.identity, r.id::text as id from given g
      join reports r on r.source_key = report_source_key(g.publisher, g.described_as, g.published_precision, g.published_on, g.title)
      where g.url_key is null
    `;
    for (const row of found) reportIds.set(row.identity, row.id);
  }
  const reportsBefore = await attributesBefore(
    tx,
    reportTopic,
    [...new Set(reportIds.values())].filter((id) => !addedReports.has(id)),
  );

  // ---- Citations (no unique key: one identical to a citation on record is skipped) and report links.
  const citationRows = citations.map((c) => ({ ...c, report: reportIds.get(c.report)! }));
  const [cited] = await tx<{ citations: number; incidents: string[]; attached: string[] }[]>`
    with given as (
      select distinct i.id as incident_id, x.report::bigint as report_id, x.claim, x.excerpt, x.locator
      from jsonb_to_recordset(${tx.json(citationRows as never)}) as x(incident text, report text, claim text, excerpt text, locator text)
      join incidents i on i.slug = x.incident
    ), added_citations as (
      insert into citations (incident_id, report_id, claim, excerpt, locator)
      select g.incident_id, g.report_id, g.claim, g.excerpt, g.locator from given g
      where not exists (
        select 1 from citations c
        where c.incident_id = g.incident_id and c.report_id = g.report_id and c.claim = g.claim
          and c.excerpt is not distinct from g.excerpt and c.locator is not distinct from g.locator
      )
      returning incident_id
    ), added_links as (
      insert into incident_reports (incident_id, report_id)
      select distinct g.incident_id, g.report_id from given g
      on conflict do nothing
      returning incident_id, report_id
    )
    select (select count(*)::int from added_citations) as citations,
      array(select distinct incident_id::text from added_citations
            union select distinct incident_id::text from added_links) as incidents,
      array(select distinct report_id::text from added_links) as attached
  `;
  counts.citationsAdded = cited!.citations;
  for (const id of cited!.incidents) touched.add(id);

  // ---- Events, in bulk: what this batch created, and what it changed.
  const created = new Set(createdIncidents.map((row) => row.id));
  const updated = [...touched].filter((id) => existing.has(id) && !created.has(id));
  counts.incidentsUpdated = updated.length;
  const attached = cited!.attached.filter((id) => !addedReports.has(id));
  // One after the other: the log's order is the order of these appends.
  counts.eventsAppended += (await announce(tx, incidentTopic, 'incident_created', [...created].map((id) => ({ id })))).length;
  counts.eventsAppended += (await announce(tx, incidentTopic, 'incident_updated', updated.map((id) => ({ id, previous: before.get(id) ?? null })))).length;
  // New reports' attributes are read for the whole batch at once and handed to the append.
  const addedAttributes = await reportAttributesOf(tx, [...addedReports]);
  counts.eventsAppended += (
    await announce(tx, reportTopic, 'report_added', [...addedReports].map((id) => ({ id, attributes: addedAttributes.get(id) as ReportAttributes })))
  ).length;
  counts.eventsAppended += (await announce(tx, reportTopic, 'report_attached', attached.map((id) => ({ id, previous: reportsBefore.get(id)! })))).length;
  return counts;
}
