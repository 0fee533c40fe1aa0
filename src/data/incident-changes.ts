import type { Queryable, Sql } from '../db/index.js';
import { announce, attributesBefore } from '../live/topic.js';
import { incidentTopic } from '../live/topics/incident.js';
import { reportTopic, type ReportAttributes } from '../live/topics/report.js';
import { checkCitations, citationSnapshot, insertCitations, type CitationInput } from './citations.js';
import { NotFoundError, ValidationError, VersionConflictError } from './errors.js';
import {
  incidentsByIds,
  type AiSystemRole,
  type DatePrecision,
  type IncidentActorRole,
  type IncidentRow,
  type IncidentStatus,
  type Severity,
} from './incidents.js';
import { writeTransaction } from './transactions.js';
import * as check from './validate.js';

/** The fields of an incident a client writes; every one optional in a patch. */
export interface IncidentFields {
  title: string;
  slug?: string | null | undefined;
  summary?: string | null | undefined;
  status?: IncidentStatus | null | undefined;
  severity?: Severity | null | undefined;
  occurred?: { start?: string | null; end?: string | null; precision: DatePrecision } | null | undefined;
  disclosed?: { date?: string | null; precision: DatePrecision } | null | undefined;
  countries?: string[] | null | undefined;
  sectors?: string[] | null | undefined;
  recordsAffected?: number | null | undefined;
  recordsAffectedApproximate?: boolean | null | undefined;
  bytesAffected?: number | null | undefined;
  bytesAffectedApproximate?: boolean | null | undefined;
  dataCategories?: string[] | null | undefined;
  techniqueIds?: string[] | null | undefined;
  actors?: Array<{ actorId: string; role: IncidentActorRole; note?: string | null | undefined }> | null | undefined;
  aiSystems?: Array<{ aiSystemId: string; role: AiSystemRole; usage?: string | null | undefined }> | null | undefined;
  reportIds?: string[] | null | undefined;
  /** Citations to add: which report supports the record or one of its impact figures. */
  sources?: CitationInput[] | null | undefined;
}

export type IncidentPatch = Partial<IncidentFields>;

/** Who made a change, for the history. */
export interface Author {
  keyId: string | null;
}

// Column values checked and canonicalised; undefined means "leave as it is" in a patch.
interface IncidentColumns {
  title?: string;
  slug?: string;
  summary?: string;
  status?: IncidentStatus;
  severity?: Severity | null;
  occurred_start?: string | null;
  occurred_end?: string | null;
  occurred_precision?: DatePrecision;
  disclosed_on?: string | null;
  disclosed_precision?: DatePrecision;
  countries?: string[];
  sectors?: string[];
  records_affected?: number | null;
  records_affected_approximate?: boolean;
  bytes_affected?: number | null;
  bytes_affected_approximate?: boolean;
  data_categories?: string[];
}

function count(field: string, value: number | null | undefined): number | null | undefined {
  if (value == null) return value;
  if (!Number.isSafeInteger(value) || value < 0) throw new ValidationError(field, 'non-negative', `${field} must be a whole number of at least 0`);
  return value;
}

function columnsOf(fields: IncidentPatch): IncidentColumns {
  const columns: IncidentColumns = {};
  if (fields.title !== undefined) columns.title = check.text('title', fields.title ?? '', { max: 300 });
  if (fields.slug != null) columns.slug = check.slug('slug', fields.slug);
  if (fields.summary != null) columns.summary = check.text('summary', fields.summary, { min: 0, max: 10_000 });
  if (fields.status != null) columns.status = fields.status;
  // Null clears the assessment: an incident may be unassessed.
  if (fields.severity !== undefined) columns.severity = fields.severity;
  if (fields.occurred != null) {
    const start = check.partialDate('occurred.start', fields.occurred.start, fields.occurred.precision);
    const end = fields.occurred.end ? check.partialDate('occurred.end', fields.occurred.end, fields.occurred.precision) : undefined;
    if (end?.date && start.date && end.date < start.date) {
      throw new ValidationError('occurred.end', 'after-start', 'occurred.end must not be before occurred.start');
    }
    columns.occurred_start = start.date;
    columns.occurred_end = end?.date ?? null;
    columns.occurred_precision = start.precision;
  }
  if (fields.disclosed != null) {
    const disclosed = check.partialDate('disclosed', fields.disclosed.date, fields.disclosed.precision);
    columns.disclosed_on = disclosed.date;
    columns.disclosed_precision = disclosed.precision;
  }
  if (fields.countries != null) columns.countries = [...new Set(fields.countries.map((c, i) => check.country(`countries[${i}]`, c)))];
  if (fields.sectors != null) columns.sectors = check.tags('sectors', fields.sectors);
  if (fields.recordsAffected !== undefined) columns.records_affected = count('impact.recordsAffected', fields.recordsAffected);
  if (fields.recordsAffectedApproximate != null) columns.records_affected_approximate = fields.recordsAffectedApproximate;
  if (fields.bytesAffected !== undefined) columns.bytes_affected = count('impact.bytesAffected', fields.bytesAffected);
  if (fields.bytesAffectedApproximate != null) columns.bytes_affected_approximate = fields.bytesAffectedApproximate;
  if (fields.dataCategories != null) columns.data_categories = check.tags('impact.dataCategories', fields.dataCategories);
  return columns;
}

/**
 * The columns as postgres.js should send them. `countries` is a domain over text[]: the server describes
 * the parameter with the domain's OID, which postgres.js does not know as an array type, so a plain JS
 * array would go out as the string "MX" ("malformed array literal"). Naming it text[] sends an array.
 */
function sqlValues(tx: Queryable, columns: IncidentColumns): Record<string, unknown> {
  return columns.countries ? { ...columns, countries: tx.array(columns.countries, 25) } : { ...columns };
}

/** Throws NotFoundError naming `field` unless every id is a row of `table`. */
export async function requireRows(
  tx: Queryable,
  table: 'actors' | 'ai_systems' | 'reports' | 'techniques' | 'incidents' | 'policy_topics' | 'actions' | 'legal_instruments',
  ids: readonly string[],
  field: string,
): Promise<void> {
  if (ids.length === 0) return;
  const found = await tx<{ id: string }[]>`select id::text as id from ${tx(table)} where id::text = any(${ids})`;
  const present = new Set(found.map((row) => row.id));
  const missing = ids.find((id) => !present.has(id));
  if (missing) throw new NotFoundError(field, `${field}: nothing with id ${missing} exists`);
}

/** Reports newly linked to an incident, with their reportAdded attributes from before the link. */
type Attached = Array<{ id: string; previous: ReportAttributes }>;

/**
 * Replaces the incident's techniques, actors, AI systems (each when given) and adds reports; returns the
 * reports it newly linked, to be announced once the transaction's changes are all made.
 */
async function writeLinks(tx: Queryable, incidentId: string, fields: IncidentPatch): Promise<Attached> {
  if (fields.techniqueIds != null) {
    const ids = [...new Set(fields.techniqueIds.map((id) => id.trim()))];
    for (const id of ids) {
      if (!/^AML\.T\d{4}(\.\d{3})?$/.test(id)) throw new ValidationError('techniques', 'atlas-id', `techniques: "${id.slice(0, 40)}" is not a MITRE ATLAS technique id such as AML.T0054`);
    }
    await requireRows(tx, 'techniques', ids, 'techniques');
    await tx`delete from incident_techniques where incident_id = ${incidentId}`;
    if (ids.length > 0) {
      await tx`insert into incident_techniques ${tx(ids.map((id) => ({ incident_id: incidentId, technique_id: id })))}`;
    }
  }
  if (fields.actors != null) {
    await requireRows(tx, 'actors', fields.actors.map((a) => a.actorId), 'actors');
    const rows = fields.actors.map((a, i) => ({
      incident_id: incidentId,
      actor_id: a.actorId,
      role: a.role,
      note: check.text(`actors[${i}].note`, a.note ?? '', { min: 0, max: 1000 }),
    }));
    await tx`delete from incident_actors where incident_id = ${incidentId}`;
    if (rows.length > 0) await tx`insert into incident_actors ${tx(rows)} on conflict do nothing`;
  }
  if (fields.aiSystems != null) {
    await requireRows(tx, 'ai_systems', fields.aiSystems.map((s) => s.aiSystemId), 'aiSystems');
    const rows = fields.aiSystems.map((s, i) => ({
      incident_id: incidentId,
      ai_system_id: s.aiSystemId,
      role: s.role,
      usage: check.text(`aiSystems[${i}].usage`, s.usage ?? '', { min: 0, max: 2000 }),
    }));
    await tx`delete from incident_ai_systems where incident_id = ${incidentId}`;
    if (rows.length > 0) await tx`insert into incident_ai_systems ${tx(rows)} on conflict do nothing`;
  }
  let reportIds = [...new Set(fields.reportIds ?? [])];
  await requireRows(tx, 'reports', reportIds, 'reports');
  if (fields.sources != null && fields.sources.length > 0) {
    const citations = checkCitations('sources', fields.sources, 'incident');
    await insertCitations(tx, 'sources', 'incident', incidentId, citations);
    // A report cited for an incident documents it.
    reportIds = [...new Set([...reportIds, ...citations.map((citation) => citation.reportId)])];
  }
  if (reportIds.length === 0) return [];
  return linkReports(tx, incidentId, reportIds);
}

/** Links the reports cited for an incident that are not yet among its reports, and announces them. */
export async function attachCitedReports(tx: Queryable, incidentId: string): Promise<void> {
  const unlinked = await tx<{ id: string }[]>`
    select distinct c.report_id::text as id from citations c
    where c.incident_id = ${incidentId}
      and not exists (select 1 from incident_reports l where l.incident_id = c.incident_id and l.report_id = c.report_id)
  `;
  if (unlinked.length > 0) await announceAttached(tx, await linkReports(tx, incidentId, unlinked.map((row) => row.id)));
}

/** Links reports to an incident (existing links stay as they are); returns those newly linked, for `announceAttached`. */
async function linkReports(tx: Queryable, incidentId: string, reportIds: string[]): Promise<Attached> {
  const before = await attributesBefore(tx, reportTopic, reportIds);
  const linked = await tx<{ report_id: string }[]>`
    insert into incident_reports ${tx(reportIds.map((id) => ({ incident_id: incidentId, report_id: id })))}
    on conflict do nothing
    returning report_id::text as report_id
  `;
  return linked.map(({ report_id: id }) => ({ id, previous: before.get(id)! }));
}

/** Announces reports linked to an incident to the reportAdded subscribers they now match; call after every change. */
async function announceAttached(tx: Queryable, attached: Attached): Promise<void> {
  if (attached.length > 0) await announce(tx, reportTopic, 'report_attached', attached);
}

/** The reportAdded attributes of every report of these incidents, before a change to what filters match on. */
async function reportsOfIncidentsBefore(tx: Queryable, incidentIds: readonly string[]): Promise<Map<string, ReportAttributes>> {
  const rows = await tx<{ id: string }[]>`
    select distinct report_id::text as id from incident_reports where incident_id = any(${incidentIds as string[]}::bigint[])
  `;
  return attributesBefore(tx, reportTopic, rows.map((row) => row.id));
}

/**
 * Announces, after every change, the reports newly linked (report_attached) and the reports already linked
 * whose attributes the change altered (report_rematched: an incident of theirs gained or lost an actor, a
 * country, an AI system or a technique), each with its attributes from before, so the subscribers it now matches, and
 * those it no longer matches, hear of it once. `before` comes from `reportsOfIncidentsBefore`. Two
 * statements whatever the number of reports.
 */
async function announceReports(tx: Queryable, before: ReadonlyMap<string, ReportAttributes>, attached: Attached): Promise<void> {
  const linked = new Set(attached.map((report) => report.id));
  const ids = [...before.keys()].filter((id) => !linked.has(id));
  // The same reader as before the change, now after it.
  const now = await attributesBefore(tx, reportTopic, ids);
  // Same SQL before and after, so equal attributes serialise equally.
  const changed = ids
    .filter((id) => now.has(id) && JSON.stringify(now.get(id)) !== JSON.stringify(before.get(id)))
    .map((id) => ({ id, previous: before.get(id)!, attributes: now.get(id)! }));
  await Promise.all([announceAttached(tx, attached), changed.length > 0 ? announce(tx, reportTopic, 'report_rematched', changed) : undefined]);
}

/** Whether a patch may change what reportAdded filters match on for the incident's reports. */
const touchesReportFilters = (patch: IncidentPatch) =>
  patch.actors != null || patch.aiSystems != null || patch.countries != null || patch.techniqueIds != null;

/** The incident with its links, as the history stores it. */
async function snapshot(tx: Queryable, incidentId: string): Promise<Record<string, unknown>> {
  const [row] = await tx<{ snapshot: Record<string, unknown> }[]>`
    select to_jsonb(i) - 'occurred_sort' - 'disclosed_sort' - 'severity_rank' - 'search_vector' || jsonb_build_object(
      'techniques', array(select technique_id from incident_techniques where incident_id = i.id order by 1),
      'actors', (select coalesce(jsonb_agg(jsonb_build_object('actor_id', actor_id, 'role', role) order by actor_id, role), '[]')
                 from incident_actors where incident_id = i.id),
      'ai_systems', (select coalesce(jsonb_agg(jsonb_build_object('ai_system_id', ai_system_id, 'role', role) order by ai_system_id, role), '[]')
                 from incident_ai_systems where incident_id = i.id),
      'reports', array(select report_id from incident_reports where incident_id = i.id order by 1),
      'sources', ${citationSnapshot(tx, 'incident', tx`i.id`)},
      'links', (select coalesce(jsonb_agg(jsonb_build_object('relation', relation, 'related_incident_id', related_incident_id,
                 'related_action_id', related_action_id) order by id), '[]')
                from incident_links where incident_id = i.id)
    ) as snapshot
    from incidents i where i.id = ${incidentId}
  `;
  return row?.snapshot ?? {};
}

async function record(
  tx: Queryable,
  incidentId: string,
  change: 'created' | 'updated' | 'merged' | 'merged_from',
  before: Record<string, unknown> | null,
  author: Author,
): Promise<void> {
  const after = await snapshot(tx, incidentId);
  await tx`
    insert into incident_history (incident_id, version, change, before, after, api_key_id)
    values (${incidentId}, ${after.version as number}, ${change}, ${before ? tx.json(before as Record<string, never>) : null},
      ${tx.json(after as Record<string, never>)}, ${author.keyId})
  `;
}

/** The `n`th candidate slug for `base`: base itself, then base-2, base-3..., cut so it stays within the limit. */
function slugCandidate(base: string, n: number): string {
  if (n === 1) return base;
  const suffix = `-${n}`;
  return `${base.slice(0, check.MAX_SLUG_LENGTH - suffix.length).replace(/-+$/, '')}${suffix}`;
}

async function freeSlug(tx: Queryable, base: string): Promise<string> {
  // Every candidate starts with the part of base no suffix cuts (slugs hold no LIKE wildcards).
  const stem = base.slice(0, check.MAX_SLUG_LENGTH - 12).replace(/-+$/, '');
  const taken = await tx<{ slug: string }[]>`select slug from incidents where slug like ${stem + '%'}`;
  const used = new Set(taken.map((row) => row.slug));
  for (let n = 1; ; n++) if (!used.has(slugCandidate(base, n))) return slugCandidate(base, n);
}

/** Creates an incident with its links, its first history entry and an incident_created event. */
export async function createIncident(sql: Sql, fields: IncidentFields, author: Author): Promise<IncidentRow> {
  const columns = columnsOf(fields);
  if (!columns.title) throw new ValidationError('title', 'required', 'title must not be empty');
  return writeTransaction(sql, async (tx) => {
    columns.slug ??= await freeSlug(tx, check.slugify(columns.title!));
    const [row] = await tx<{ id: string }[]>`insert into incidents ${tx(sqlValues(tx, columns))} returning id`;
    const id = row!.id;
    const attached = await writeLinks(tx, id, fields);
    await record(tx, id, 'created', null, author);
    const [[incident]] = await Promise.all([
      incidentsByIds(tx, [id]),
      announce(tx, incidentTopic, 'incident_created', [{ id }]),
      announceAttached(tx, attached),
    ]);
    return incident!;
  });
}

/**
 * Applies a patch when `expectedVersion` is still current; otherwise throws VersionConflictError carrying
 * the current version. Writes the history and an incident_updated event.
 */
export async function updateIncident(
  sql: Sql,
  incidentId: string,
  expectedVersion: number,
  patch: IncidentPatch,
  author: Author,
): Promise<IncidentRow> {
  const columns = columnsOf(patch);
  return writeTransaction(sql, async (tx) => {
    // Lock the row: concurrent updates with the same expected version must not both win.
    const [current] = await tx<{ version: number; merged_into_id: string | null }[]>`
      select version, merged_into_id from incidents where id = ${incidentId} for update
    `;
    if (!current) throw new NotFoundError('id', `no incident has id ${incidentId}`);
    if (current.merged_into_id) {
      throw new ValidationError('id', 'merged', 'this incident was merged into another one; update that incident instead');
    }
    if (current.version !== expectedVersion) throw new VersionConflictError(expectedVersion, current.version);
    const [before, previous, reportsBefore] = await Promise.all([
      snapshot(tx, incidentId),
      attributesBefore(tx, incidentTopic, [incidentId]),
      touchesReportFilters(patch) ? reportsOfIncidentsBefore(tx, [incidentId]) : new Map<string, ReportAttributes>(),
    ]);
    // postgres.js builds `set a = $1, ...` only when "update" precedes the helper in the same template (in
    // a nested fragment it built nothing valid), and the helper must not be empty: the new version, known
    // since the row is locked, is always one of its columns.
    await tx`
      update incidents set ${tx({ ...sqlValues(tx, columns), version: current.version + 1 })}, updated_at = now()
      where id = ${incidentId}
    `;
    const attached = await writeLinks(tx, incidentId, patch);
    await record(tx, incidentId, 'updated', before, author);
    const [[incident]] = await Promise.all([
      incidentsByIds(tx, [incidentId]),
      announce(tx, incidentTopic, 'incident_updated', [{ id: incidentId, previous: previous.get(incidentId)! }]),
      announceReports(tx, reportsBefore, attached),
    ]);
    return incident!;
  });
}

/**
 * Merges a duplicate into another incident: its reports, actors, AI systems, techniques and citing
 * positions move to the target, and the source keeps resolving (by id and slug) to the target.
 */
export async function mergeIncidents(sql: Sql, sourceId: string, targetId: string, author: Author): Promise<IncidentRow> {
  if (sourceId === targetId) throw new ValidationError('targetId', 'distinct', 'an incident cannot be merged into itself');
  return writeTransaction(sql, async (tx) => {
    // Lock both rows in id order so two crossing merges cannot deadlock.
    const rows = await tx<{ id: string; merged_into_id: string | null }[]>`
      select id, merged_into_id from incidents where id in (${sourceId}, ${targetId}) order by id for update
    `;
    const source = rows.find((row) => row.id === sourceId);
    const target = rows.find((row) => row.id === targetId);
    if (!source) throw new NotFoundError('sourceId', `no incident has id ${sourceId}`);
    if (!target) throw new NotFoundError('targetId', `no incident has id ${targetId}`);
    if (source.merged_into_id) throw new ValidationError('sourceId', 'merged', 'the source was already merged into another incident');
    if (target.merged_into_id) throw new ValidationError('targetId', 'merged', 'the target was itself merged; merge into the incident it points to');
    const [sourceBefore, targetBefore] = [await snapshot(tx, sourceId), await snapshot(tx, targetId)];
    const [incidentsPrevious, reportsPrevious] = await Promise.all([
      attributesBefore(tx, incidentTopic, [sourceId, targetId]),
      // The duplicate's reports and the target's: the target may gain actors, countries, AI systems and techniques.
      reportsOfIncidentsBefore(tx, [sourceId, targetId]),
    ]);
    // The duplicate's reports now document the target: new to the subscribers of the target's reports.
    const moved = await tx<{ report_id: string }[]>`
      insert into incident_reports (incident_id, report_id, created_at)
      select ${targetId}, report_id, created_at from incident_reports where incident_id = ${sourceId}
      on conflict do nothing
      returning report_id::text as report_id
    `;
    await tx`
      insert into incident_actors (incident_id, actor_id, role, note)
      select ${targetId}, actor_id, role, note from incident_actors where incident_id = ${sourceId}
      on conflict do nothing
    `;
    await tx`
      insert into incident_ai_systems (incident_id, ai_system_id, role, usage)
      select ${targetId}, ai_system_id, role, usage from incident_ai_systems where incident_id = ${sourceId}
      on conflict do nothing
    `;
    await tx`
      insert into incident_techniques (incident_id, technique_id)
      select ${targetId}, technique_id from incident_techniques where incident_id = ${sourceId}
      on conflict do nothing
    `;
    await tx`
      insert into policy_position_incidents (position_id, incident_id)
      select position_id, ${targetId} from policy_position_incidents where incident_id = ${sourceId}
      on conflict do nothing
    `;
    await tx`
      insert into action_incidents (action_id, incident_id)
      select action_id, ${targetId} from action_incidents where incident_id = ${sourceId}
      on conflict do nothing
    `;
    await moveCitations(tx, 'incident_id', sourceId, targetId);
    await moveLinks(tx, sourceId, targetId);
    for (const table of ['incident_reports', 'incident_actors', 'incident_ai_systems', 'incident_techniques', 'policy_position_incidents', 'action_incidents'] as const) {
      await tx`delete from ${tx(table)} where incident_id = ${sourceId}`;
    }
    await tx`
      update incidents set merged_into_id = ${targetId}, version = version + 1, updated_at = now() where id = ${sourceId}
    `;
    await tx`update incidents set version = version + 1, updated_at = now() where id = ${targetId}`;
    await record(tx, sourceId, 'merged', sourceBefore, author);
    await record(tx, targetId, 'merged_from', targetBefore, author);
    const [[incident]] = await Promise.all([
      incidentsByIds(tx, [targetId]),
      // The duplicate once, to whom it concerned before the merge (it has no links left), so they drop it.
      announce(tx, incidentTopic, 'incident_merged_away', [{ id: sourceId, previous: incidentsPrevious.get(sourceId)! }]),
      announce(tx, incidentTopic, 'incident_merged', [{ id: targetId, previous: incidentsPrevious.get(targetId)! }]),
      announceReports(
        tx,
        reportsPrevious,
        moved.map(({ report_id: id }) => ({ id, previous: reportsPrevious.get(id)! })),
      ),
    ]);
    return incident!;
  });
}

/**
 * Moves a merged duplicate's links to the incident it was merged into. A link between the two is dropped
 * (an incident is not linked to itself); a link the target already has keeps its own citations and gains
 * the duplicate's; symmetric links stay stored smaller id first.
 */
async function moveLinks(tx: Queryable, sourceId: string, targetId: string): Promise<void> {
  const links = await tx<{ id: string; incident_id: string; related_incident_id: string | null; related_action_id: string | null; relation: string }[]>`
    select id, incident_id, related_incident_id, related_action_id, relation from incident_links
    where incident_id = ${sourceId} or related_incident_id = ${sourceId}
    order by id
  `;
  for (const link of links) {
    let from = link.incident_id === sourceId ? targetId : link.incident_id;
    let to = link.related_incident_id === sourceId ? targetId : link.related_incident_id;
    if (to === from) {
      await tx`delete from incident_links where id = ${link.id}`;
      continue;
    }
    if (to !== null && link.relation !== 'follows_pattern_of' && BigInt(to) < BigInt(from)) [from, to] = [to, from];
    const [existing] = await tx<{ id: string }[]>`
      select id from incident_links
      where incident_id = ${from} and related_incident_id is not distinct from ${to}
        and related_action_id is not distinct from ${link.related_action_id} and relation = ${link.relation} and id <> ${link.id}
    `;
    if (existing) {
      await moveCitations(tx, 'link_id', link.id, existing.id);
      await tx`delete from incident_links where id = ${link.id}`;
    } else {
      await tx`update incident_links set incident_id = ${from}, related_incident_id = ${to} where id = ${link.id}`;
    }
  }
}

/**
 * Moves the citations of one record to another of the same kind (a merged duplicate's to the incident it
 * was merged into), leaving out those the other already has. Both rows are locked by the merge.
 */
async function moveCitations(tx: Queryable, column: 'incident_id' | 'link_id', fromId: string, toId: string): Promise<void> {
  await tx`
    update citations c set ${tx(column)} = ${toId}
    where c.${tx(column)} = ${fromId}
      and not exists (
        select 1 from citations o
        where o.${tx(column)} = ${toId} and o.report_id = c.report_id and o.claim = c.claim
          and o.excerpt is not distinct from c.excerpt and o.locator is not distinct from c.locator
      )
  `;
  await tx`delete from citations where ${tx(column)} = ${fromId}`;
}

/**
 * Changes what an incident cites or links to, inside a write transaction: the incident must exist and be
 * live. Unless `change` reports that nothing changed, the version goes up, the history records the
 * change under the key's name and an incident_updated event goes out.
 */
export async function reviseIncident(
  tx: Queryable,
  incidentId: string,
  field: string,
  author: Author,
  change: () => Promise<boolean>,
): Promise<boolean> {
  const [current] = await tx<{ merged_into_id: string | null }[]>`
    select merged_into_id from incidents where id = ${incidentId} for update
  `;
  if (!current) throw new NotFoundError(field, `${field}: no incident has id ${incidentId}`);
  if (current.merged_into_id) throw new ValidationError(field, 'merged', `${field}: this incident was merged into another one; use that incident`);
  const [before, previous] = await Promise.all([snapshot(tx, incidentId), attributesBefore(tx, incidentTopic, [incidentId])]);
  if (!(await change())) return false;
  await tx`update incidents set version = version + 1, updated_at = now() where id = ${incidentId}`;
  await record(tx, incidentId, 'updated', before, author);
  await announce(tx, incidentTopic, 'incident_updated', [{ id: incidentId, previous: previous.get(incidentId)! }]);
  return true;
}

/**
 * Links a report to an incident (idempotent). A new link is an incident_updated event, and a report_attached
 * event for the reportAdded subscribers the report matches from now on.
 */
export async function attachReport(sql: Sql, reportId: string, incidentId: string): Promise<{ changed: boolean }> {
  return writeTransaction(sql, async (tx) => {
    await requireLive(tx, incidentId);
    await requireRows(tx, 'reports', [reportId], 'reportId');
    const [previous, attached] = await Promise.all([attributesBefore(tx, incidentTopic, [incidentId]), linkReports(tx, incidentId, [reportId])]);
    if (attached.length > 0) {
      await Promise.all([
        announce(tx, incidentTopic, 'incident_updated', [{ id: incidentId, previous: previous.get(incidentId)! }]),
        announceAttached(tx, attached),
      ]);
    }
    return { changed: attached.length > 0 };
  });
}

/** Unlinks a report from an incident (idempotent); emits incident_updated and report_detached when a link was removed. */
export async function detachReport(sql: Sql, reportId: string, incidentId: string): Promise<{ changed: boolean }> {
  return writeTransaction(sql, async (tx) => {
    await requireLive(tx, incidentId);
    const [cited] = await tx`select 1 from citations where incident_id = ${incidentId} and report_id = ${reportId} limit 1`;
    if (cited) {
      throw new ValidationError('reportId', 'cited', 'this report is cited as a source of the incident; remove those citations first (removeCitation)');
    }
    const [previous, reportPrevious] = await Promise.all([
      attributesBefore(tx, incidentTopic, [incidentId]),
      attributesBefore(tx, reportTopic, [reportId]),
    ]);
    const deleted = await tx`
      delete from incident_reports where incident_id = ${incidentId} and report_id = ${reportId} returning 1
    `;
    if (deleted.length > 0) {
      await Promise.all([
        announce(tx, incidentTopic, 'incident_updated', [{ id: incidentId, previous: previous.get(incidentId)! }]),
        // To the reportAdded subscribers it matched: LEFT_FILTER where it no longer does, DETACHED where it still does.
        announce(tx, reportTopic, 'report_detached', [{ id: reportId, previous: reportPrevious.get(reportId)! }]),
      ]);
    }
    return { changed: deleted.length > 0 };
  });
}

async function requireLive(tx: Queryable, incidentId: string): Promise<void> {
  const [row] = await tx<{ merged_into_id: string | null }[]>`select merged_into_id from incidents where id = ${incidentId}`;
  if (!row) throw new NotFoundError('incidentId', `no incident has id ${incidentId}`);
  if (row.merged_into_id) throw new ValidationError('incidentId', 'merged', 'this incident was merged into another one; use that incident');
}
