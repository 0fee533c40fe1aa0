// JSONL: one `faultline.incident/1` record (src/export/record.ts) per line. Every object is built here in
// the key order record.ts declares, and the lists come sorted from src/data/export.ts, so the same data
// always gives the same bytes.
import type { ActorKind } from '../data/actors.js';
import type { ExportCitationRow } from '../data/export.js';
import type { ImportSource } from '../data/incidents.js';
import {
  ASSESSED_BY,
  INCIDENT_RECORD_SCHEMA,
  type CitationRecord,
  type DeveloperRecord,
  type ImpactFigureRecord,
  type IncidentRecord,
  type ReportRecord,
} from './record.js';
import type { ExportIncident } from './source.js';

/** A report as a record names it. */
export function reportRecord(row: Omit<ExportCitationRow, 'parent_id'>): ReportRecord {
  return {
    urlKey: row.url_key,
    url: row.url,
    publisher: row.publisher,
    describedAs: row.described_as,
    title: row.title,
    summary: row.summary,
    language: row.language,
    published: { date: row.published_on, precision: row.published_precision },
  };
}

/** A citation as a record gives it. */
export function citationRecord(row: Omit<ExportCitationRow, 'parent_id'>): CitationRecord {
  return { report: reportRecord(row), excerpt: row.excerpt, locator: row.locator };
}

function figure(value: string | null, approximate: boolean, citations: CitationRecord[]): ImpactFigureRecord | null {
  return value === null ? null : { value, approximate, citations };
}

/** A developer as a record names it; null when the system's developer is unknown. */
function developer(
  slug: string | null,
  name: string | null,
  kind: ActorKind | null,
  country: string | null,
  importedFrom: ImportSource | null,
): DeveloperRecord | null {
  return slug === null ? null : { slug, name: name!, kind: kind!, country, importedFrom };
}

/** The database keeps an unknown description as ""; the record says null. */
const described = (description: string | null): string | null => (description ? description : null);

const sorted = (values: readonly string[]): string[] => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The record of one exported incident. */
export function incidentRecord(item: ExportIncident): IncidentRecord {
  const { incident: i } = item;
  const cited = (claim: ExportCitationRow['claim']) => item.citations.filter((c) => c.claim === claim).map(citationRecord);
  return {
    schema: INCIDENT_RECORD_SCHEMA,
    slug: i.slug,
    title: i.title,
    summary: i.summary,
    status: i.status,
    kind: i.kind,
    importedFrom: i.imported_from,
    occurred: { start: i.occurred_start, end: i.occurred_end, precision: i.occurred_precision },
    disclosed: { date: i.disclosed_on, precision: i.disclosed_precision },
    countries: sorted(i.countries),
    actors: item.actors.map((a) => ({
      slug: a.slug,
      name: a.name,
      kind: a.kind,
      country: a.country,
      importedFrom: a.imported_from,
      role: a.role,
      note: a.note,
    })),
    aiSystems: item.aiSystems.map((s) => ({
      slug: s.slug,
      name: s.name,
      kind: s.kind,
      description: described(s.description),
      developer: developer(s.developer_slug, s.developer_name, s.developer_kind, s.developer_country, s.developer_imported_from),
      importedFrom: s.imported_from,
      parent: s.parent_slug === null
        ? null
        : {
            slug: s.parent_slug,
            name: s.parent_name!,
            kind: s.parent_kind!,
            description: described(s.parent_description),
            developer: developer(
              s.parent_developer_slug,
              s.parent_developer_name,
              s.parent_developer_kind,
              s.parent_developer_country,
              s.parent_developer_imported_from,
            ),
            importedFrom: s.parent_imported_from,
          },
      role: s.role,
      usage: s.usage,
    })),
    techniques: item.techniques.map((t) => t.id),
    impact: {
      records: figure(i.records_affected, i.records_affected_approximate, cited('records_affected')),
      bytes: figure(i.bytes_affected, i.bytes_affected_approximate, cited('bytes_affected')),
      dataCategories: sorted(i.data_categories),
      dataCategoriesCitations: cited('data_categories'),
    },
    citations: cited('record'),
    assessment: { severity: i.severity, sectors: sorted(i.sectors), assessedBy: ASSESSED_BY },
  };
}

/** The line of one incident, newline included. */
export function jsonlLine(item: ExportIncident): string {
  return `${JSON.stringify(incidentRecord(item))}\n`;
}
