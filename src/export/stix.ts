// STIX 2.1: the exported incidents as one bundle, written object by object.
//
// Mapping (docs/export.md has the reasons):
// - incident            -> `incident` (name, description; Faultline's fields as x_faultline_* properties);
// - actor               -> `threat-actor` when its kind is criminal or state_actor (what it is, whatever
//                          its role in one incident), otherwise `identity` (person -> individual, else organization);
// - AI system           -> `tool`: legitimate software that attackers (and defenders) put to use, which is
//                          what a chatbot or model is in these incidents; `infrastructure` would say it hosts
//                          the attack, `identity` would make it a party;
// - ATLAS technique     -> `attack-pattern` with an external reference (source_name "mitre-atlas", external_id);
// - report (citation)   -> an external reference of the object it supports: a `report` SDO needs a published
//                          timestamp and a name, which the record often does not know;
// - policy position     -> `note` on the actor and the incidents it cites: it is Faultline's record of what an
//                          actor said, not an `opinion` (an assessment of whether another object is correct);
// - links               -> `relationship`: incident attributed-to attacker, targets victim, related-to others
//                          (role in x_faultline_role), uses tool (targets the tool in the `target` role),
//                          uses attack-pattern;
// - exercise            -> still an `incident` (no closer type), with labels ["exercise"] and x_faultline_kind.
// Ids are UUIDv5 over natural keys in one fixed namespace, so a record keeps its STIX id across exports and
// databases. STIX forbids nulls and empty lists: an unknown value is left out (absent means unknown).
import { createHash } from 'node:crypto';
import type { ExportActorRow, ExportAiSystemRow, ExportCitationRow, ExportPositionRow, ExportTechniqueRow } from '../data/export.js';
import type { DatePrecision } from '../data/incidents.js';
import type { ExportIncident } from './source.js';

/** The namespace of every Faultline STIX id (a fixed random UUID; never change it). */
export const FAULTLINE_STIX_NAMESPACE = '6f1e2d7a-93b4-4c5e-8a1f-2b7d9c0e4f63';

/** Timestamp of the ATLAS reference objects, which carry none of their own: the Unix epoch, constant on purpose. */
const REFERENCE_TIME = '1970-01-01T00:00:00.000Z';

/** RFC 4122 version 5 UUID of `name` in `namespace`. */
export function uuidV5(name: string, namespace = FAULTLINE_STIX_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The STIX id of a type and natural key. */
export const stixId = (type: string, key: string): string => `${type}--${uuidV5(`${type}/${key}`)}`;

type StixObject = Record<string, unknown>;

const time = (value: Date): string => value.toISOString();

function partial(date: string | null, precision: DatePrecision): string | undefined {
  if (!date || precision === 'unknown') return undefined;
  return precision === 'year' ? date.slice(0, 4) : precision === 'month' ? date.slice(0, 7) : date;
}

/** Leaves out undefined, null and empty lists, which STIX does not allow. */
function compact(object: StixObject): StixObject {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)));
}

const CLAIM_TEXT: Record<ExportCitationRow['claim'], string> = {
  record: '',
  records_affected: 'supports the records-affected figure',
  bytes_affected: 'supports the bytes-affected figure',
  data_categories: 'supports the data categories',
};

/** A citation as an external reference: who published it, where, and what it says. */
export function externalReference(c: Omit<ExportCitationRow, 'parent_id'>): StixObject {
  const parts = [
    c.title ?? 'Title unknown',
    partial(c.published_on, c.published_precision) ? `published ${partial(c.published_on, c.published_precision)}` : 'publication date unknown',
    c.excerpt ? `excerpt: "${c.excerpt}"` : undefined,
    c.locator ? `at ${c.locator}` : undefined,
    CLAIM_TEXT[c.claim] || undefined,
  ].filter(Boolean);
  return compact({ source_name: c.publisher ?? c.described_as ?? 'unnamed source', description: parts.join('; '), url: c.url ?? undefined });
}

const THREAT_ACTOR_KINDS = new Set(['criminal', 'state_actor']);

function actorObject(a: Pick<ExportActorRow, 'slug' | 'name' | 'kind' | 'country' | 'imported_from' | 'created_at' | 'updated_at'>): StixObject {
  const threat = THREAT_ACTOR_KINDS.has(a.kind);
  const type = threat ? 'threat-actor' : 'identity';
  return compact({
    type,
    spec_version: '2.1',
    id: stixId(type, a.slug),
    created: time(a.created_at),
    modified: time(a.updated_at),
    name: a.name,
    identity_class: threat ? undefined : a.kind === 'person' ? 'individual' : 'organization',
    threat_actor_types: threat ? [a.kind === 'state_actor' ? 'nation-state' : 'criminal'] : undefined,
    x_faultline_slug: a.slug,
    x_faultline_kind: a.kind,
    x_faultline_country: a.country ?? undefined,
    x_faultline_imported_from: a.imported_from ?? undefined,
  });
}

const actorRef = (a: Pick<ExportActorRow, 'slug' | 'kind'>): string => stixId(THREAT_ACTOR_KINDS.has(a.kind) ? 'threat-actor' : 'identity', a.slug);

function toolObject(s: ExportAiSystemRow): StixObject {
  return compact({
    type: 'tool',
    spec_version: '2.1',
    id: stixId('tool', s.slug),
    created: time(s.created_at),
    modified: time(s.updated_at),
    name: s.name,
    description: s.description || undefined,
    x_faultline_slug: s.slug,
    x_faultline_kind: s.kind,
    // Absent when the developer is unknown: no developer is invented.
    x_faultline_developer: s.developer_slug ?? undefined,
    x_faultline_parent: s.parent_slug ?? undefined,
    x_faultline_imported_from: s.imported_from ?? undefined,
  });
}

function attackPattern(t: ExportTechniqueRow): StixObject {
  const page = t.kind === 'tactic' ? 'tactics' : 'techniques';
  return {
    type: 'attack-pattern',
    spec_version: '2.1',
    id: stixId('attack-pattern', t.id),
    created: REFERENCE_TIME,
    modified: REFERENCE_TIME,
    name: t.name,
    external_references: [{ source_name: 'mitre-atlas', external_id: t.id, url: `https://atlas.mitre.org/${page}/${t.id}` }],
  };
}

function positionKey(p: ExportPositionRow): string {
  const digest = createHash('sha256').update(p.summary).update('\0').update(p.quote ?? '').digest('hex').slice(0, 16);
  return `${p.actor_slug}/${p.topic_slug}/${p.stated_precision}/${p.stated_on ?? ''}/${p.stance}/${digest}`;
}

function noteObject(p: ExportPositionRow): StixObject {
  return compact({
    type: 'note',
    spec_version: '2.1',
    id: stixId('note', positionKey(p)),
    created: time(p.created_at),
    modified: time(p.created_at),
    abstract: `${p.actor_name}: ${p.stance} on ${p.topic_name}`,
    content: p.quote ? `${p.summary}\n\nQuote: "${p.quote}"` : p.summary,
    object_refs: [actorRef({ slug: p.actor_slug, kind: p.actor_kind }), ...p.incident_slugs.map((slug) => stixId('incident', slug))],
    external_references: p.citations.map(externalReference),
    x_faultline_stance: p.stance,
    x_faultline_topic: p.topic_slug,
    x_faultline_stated: partial(p.stated_on, p.stated_precision),
  });
}

function relationship(type: string, source: string, target: string, times: { created: Date; modified: Date }, extra: StixObject = {}): StixObject {
  return compact({
    type: 'relationship',
    spec_version: '2.1',
    id: `relationship--${uuidV5(`relationship/${type}/${source}/${target}/${String(extra.x_faultline_role ?? '')}`)}`,
    created: time(times.created),
    modified: time(times.modified),
    relationship_type: type,
    source_ref: source,
    target_ref: target,
    ...extra,
  });
}

const ACTOR_RELATION: Record<ExportActorRow['role'], string> = {
  attacker: 'attributed-to',
  victim: 'targets',
  developer: 'related-to',
  deployer: 'related-to',
  researcher: 'related-to',
  responder: 'related-to',
};

/**
 * Writes one bundle's objects batch by batch. Objects shared by incidents (actors, tools, attack patterns,
 * notes) are written once; the set of ids written grows with the number of distinct ones, not of incidents.
 */
export class StixWriter {
  private readonly written = new Set<string>();
  private first = true;

  constructor(private readonly bundleKey: string) {}

  /** The opening of the bundle. */
  start(): string {
    // "objects" is opened with the first object: a bundle of nothing leaves it out rather than be empty.
    return `{"type":"bundle","id":"${stixId('bundle', this.bundleKey)}"`;
  }

  /** The objects of one batch, as JSON text to append. */
  batch(items: readonly ExportIncident[]): string {
    const out: string[] = [];
    const emit = (object: StixObject, shared: boolean) => {
      if (shared) {
        if (this.written.has(object.id as string)) return;
        this.written.add(object.id as string);
      }
      out.push((this.first ? ',"objects":[\n' : ',\n') + JSON.stringify(object));
      this.first = false;
    };
    for (const item of items) {
      const i = item.incident;
      const incidentId = stixId('incident', i.slug);
      const times = { created: i.created_at, modified: i.updated_at };
      const occurred = partial(i.occurred_start, i.occurred_precision);
      const occurredEnd = partial(i.occurred_end, i.occurred_precision);
      emit(
        compact({
          type: 'incident',
          spec_version: '2.1',
          id: incidentId,
          created: time(i.created_at),
          modified: time(i.updated_at),
          name: i.title,
          description: i.summary || undefined,
          external_references: item.citations.map(externalReference),
          // An exercise is still a STIX incident (the closest type), told apart by a label a TIP shows and
          // the kind as a property; real incidents carry the property only.
          labels: i.kind === 'exercise' ? ['exercise'] : undefined,
          x_faultline_slug: i.slug,
          x_faultline_kind: i.kind,
          x_faultline_imported_from: i.imported_from ?? undefined,
          x_faultline_status: i.status,
          x_faultline_occurred: occurred && occurredEnd ? `${occurred}/${occurredEnd}` : occurred,
          x_faultline_disclosed: partial(i.disclosed_on, i.disclosed_precision),
          x_faultline_countries: i.countries,
          x_faultline_records_affected: i.records_affected ?? undefined,
          x_faultline_bytes_affected: i.bytes_affected ?? undefined,
          x_faultline_data_categories: i.data_categories,
          // Faultline's own judgement, apart from the sources; absent when unassessed.
          x_faultline_assessed_severity: i.severity ?? undefined,
          x_faultline_assessed_sectors: i.sectors,
          x_faultline_assessed_by: 'Faultline',
        }),
        false,
      );
      for (const a of item.actors) {
        emit(actorObject(a), true);
        emit(relationship(ACTOR_RELATION[a.role], incidentId, actorRef(a), times, { description: a.note || undefined, x_faultline_role: a.role }), false);
      }
      for (const s of item.aiSystems) {
        emit(toolObject(s), true);
        // The system an attack was aimed at is its target, not a tool it used.
        const type = s.role === 'target' ? 'targets' : 'uses';
        emit(relationship(type, incidentId, stixId('tool', s.slug), times, { description: s.usage || undefined, x_faultline_role: s.role }), false);
      }
      for (const t of item.techniques) {
        emit(attackPattern(t), true);
        emit(relationship('uses', incidentId, stixId('attack-pattern', t.id), times), false);
      }
      for (const p of item.positions) {
        emit(actorObject({ slug: p.actor_slug, name: p.actor_name, kind: p.actor_kind, country: p.actor_country, imported_from: p.actor_imported_from, created_at: p.actor_created_at, updated_at: p.actor_updated_at }), true);
        emit(noteObject(p), true);
      }
    }
    return out.join('');
  }

  /** The end of the bundle. */
  end(): string {
    return this.first ? '}\n' : '\n]}\n';
  }
}
