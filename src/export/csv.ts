// CSV: one row per incident, RFC 4180 (CRLF line ends, every field quoted when it holds a comma, a quote,
// CR or LF, quotes doubled), UTF-8 without a byte-order mark. The columns are CSV_COLUMNS, in that order,
// under a header row.
//
// List fields hold their items joined by ";" (no space). An item containing ";" or "\" has each of them
// escaped with a backslash ("a;b" is written "a\;b"), so splitting on unescaped ";" gives the items back.
// An unknown value is an empty field; an empty list is an empty field too.
import { incidentRecord } from './jsonl.js';
import type { CitationRecord, IncidentRecord } from './record.js';
import type { ExportIncident } from './source.js';

/** The columns, in order, with what each holds. */
export const CSV_COLUMNS = [
  ['slug', 'The incident\'s natural key.'],
  ['title', 'Title.'],
  ['summary', 'Summary ("" when none).'],
  ['status', 'reported, confirmed, disputed, disrupted or resolved.'],
  ['kind', 'incident (it happened) or exercise (a red-team exercise or research demonstration).'],
  ['imported_from', 'The dataset an importer created it from (mitre_atlas); empty when an editor did.'],
  ['severity', 'Faultline\'s assessment (low, medium, high, critical); empty when not assessed.'],
  ['occurred_start', 'First day of the period it began in (YYYY-MM-DD); empty when unknown.'],
  ['occurred_end', 'First day of the period it ended in; empty when not given.'],
  ['occurred_precision', 'day, month, year or unknown (both ends).'],
  ['disclosed_on', 'First day of the period it became public in; empty when unknown.'],
  ['disclosed_precision', 'day, month, year or unknown.'],
  ['countries', 'ISO 3166-1 alpha-2 codes (list).'],
  ['sectors', 'Sectors Faultline files it under (list; our assessment).'],
  ['actors', 'Actors as slug:role (list), by role then slug.'],
  ['ai_systems', 'AI systems as slug:role (list), by role then slug.'],
  ['techniques', 'MITRE ATLAS ids (list).'],
  ['records_affected', 'Records affected; empty when not reported.'],
  ['records_affected_approximate', 'true when the sources give an estimate; empty when no figure.'],
  ['bytes_affected', 'Bytes taken; empty when not reported.'],
  ['bytes_affected_approximate', 'true when the sources give an estimate; empty when no figure.'],
  ['data_categories', 'Kinds of data affected (list).'],
  ['report_urls', 'URLs of the reports cited for the incident as a whole (list); reports without a URL are left out here.'],
  ['citation_count', 'How many citations the incident has, impact figures\' included (the JSONL export has them all).'],
] as const;

/** One field, quoted when RFC 4180 requires it. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A list as one field's text: items joined by ";", with ";" and "\" inside an item backslash-escaped. */
export function csvList(items: readonly string[]): string {
  return items.map((item) => item.replace(/[\\;]/g, (c) => `\\${c}`)).join(';');
}

/** A row of fields, CRLF included. */
export function csvRow(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** The header row. */
export const CSV_HEADER = csvRow(CSV_COLUMNS.map(([name]) => name));

const urls = (citations: readonly CitationRecord[]): string[] => [
  ...new Set(citations.map((c) => c.report.url).filter((url): url is string => url !== null)),
];

function citationCount(r: IncidentRecord): number {
  return r.citations.length + (r.impact.records?.citations.length ?? 0) + (r.impact.bytes?.citations.length ?? 0) + r.impact.dataCategoriesCitations.length;
}

/** The row of one exported incident. */
export function csvLine(item: ExportIncident): string {
  const r = incidentRecord(item);
  return csvRow([
    r.slug,
    r.title,
    r.summary,
    r.status,
    r.kind,
    r.importedFrom ?? '',
    r.assessment.severity ?? '',
    r.occurred.start ?? '',
    r.occurred.end ?? '',
    r.occurred.precision,
    r.disclosed.date ?? '',
    r.disclosed.precision,
    csvList(r.countries),
    csvList(r.assessment.sectors),
    csvList(r.actors.map((a) => `${a.slug}:${a.role}`)),
    csvList(r.aiSystems.map((s) => `${s.slug}:${s.role}`)),
    csvList(r.techniques),
    r.impact.records?.value ?? '',
    r.impact.records ? String(r.impact.records.approximate) : '',
    r.impact.bytes?.value ?? '',
    r.impact.bytes ? String(r.impact.bytes.approximate) : '',
    csvList(r.impact.dataCategories),
    csvList(urls(r.citations)),
    String(citationCount(r)),
  ]);
}
