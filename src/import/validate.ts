// Validation of one line of a `faultline.incident/1` JSONL file (src/export/record.ts) before it is imported:
// every problem of the line is reported with the field's path and the rule it breaks, so a user can fix a
// file in one pass. The rules are the database's constraints and the API's, so a line that passes here is
// one the bulk write accepts.
import { ACTOR_KINDS } from '../data/actors.js';
import { AI_SYSTEM_KINDS } from '../data/ai-systems.js';
import {
  AI_SYSTEM_ROLES,
  DATE_PRECISIONS,
  IMPORT_SOURCES,
  INCIDENT_ACTOR_ROLES,
  INCIDENT_KINDS,
  INCIDENT_STATUSES,
  SEVERITIES,
  type DatePrecision,
} from '../data/incidents.js';
import { normalizeReportUrl } from '../data/urls.js';
import { ASSESSED_BY, INCIDENT_RECORD_SCHEMA, type IncidentRecord } from '../export/record.js';

/** One problem of a line: where (a path such as `actors[2].kind`), which rule, and a sentence for people. */
export interface LineIssue {
  field: string;
  rule: string;
  message: string;
}

export type LineResult = { ok: true; record: IncidentRecord } | { ok: false; issues: LineIssue[] };

type Json = Record<string, unknown>;

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const COUNTRY = /^[A-Z]{2}$/;
const TECHNIQUE = /^AML\.TA?[0-9]{4}(\.[0-9]{3})?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DECIMAL = /^(0|[1-9][0-9]{0,18})$/;

class Checker {
  readonly issues: LineIssue[] = [];

  fail(field: string, rule: string, message: string): void {
    this.issues.push({ field, rule, message });
  }

  object(value: unknown, field: string): Json | null {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json;
    this.fail(field, 'object', `${field} must be an object`);
    return null;
  }

  list(value: unknown, field: string): unknown[] {
    if (Array.isArray(value)) return value;
    this.fail(field, 'list', `${field} must be a list`);
    return [];
  }

  text(value: unknown, field: string, min: number, max: number): string | null {
    if (typeof value !== 'string') {
      this.fail(field, 'string', `${field} must be a string`);
      return null;
    }
    const length = min > 0 ? value.trim().length : value.length;
    if (length < min || value.length > max) {
      this.fail(field, 'length', `${field} must hold ${min} to ${max} characters, not ${value.length}`);
      return null;
    }
    return value;
  }

  nullableText(value: unknown, field: string, min: number, max: number): string | null {
    return value === null ? null : this.text(value, field, min, max);
  }

  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T | null {
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    this.fail(field, 'one-of', `${field} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`);
    return null;
  }

  slug(value: unknown, field: string): string | null {
    if (typeof value === 'string' && SLUG.test(value) && value.length <= 120) return value;
    this.fail(field, 'slug', `${field} must be a slug (a-z, 0-9 and single hyphens, at most 120 characters), not ${JSON.stringify(value)}`);
    return null;
  }

  /** Where an importer created a record from: null (an editor did) or one of IMPORT_SOURCES. */
  importSource(value: unknown, field: string): void {
    if (value === null || (typeof value === 'string' && (IMPORT_SOURCES as readonly string[]).includes(value))) return;
    this.fail(field, 'import-source', `${field} must be null or one of ${IMPORT_SOURCES.join(', ')}, not ${JSON.stringify(value) ?? 'missing'}`);
  }

  boolean(value: unknown, field: string): void {
    if (typeof value !== 'boolean') this.fail(field, 'boolean', `${field} must be true or false`);
  }

  country(value: unknown, field: string): void {
    if (typeof value !== 'string' || !COUNTRY.test(value)) this.fail(field, 'country', `${field} must be an ISO 3166-1 alpha-2 code such as "MX"`);
  }

  /** A date at its precision, stored as the first day of its period (migration 001's partial_date_ok). */
  partialDate(date: unknown, precision: unknown, field: string, precisionField: string): void {
    const p = this.oneOf<DatePrecision>(precision, precisionField, DATE_PRECISIONS);
    if (p === null) return;
    if (p === 'unknown') {
      if (date !== null) this.fail(field, 'unknown-date', `${field} must be null when the precision is unknown`);
      return;
    }
    if (typeof date !== 'string' || !ISO_DATE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
      this.fail(field, 'date', `${field} must be a YYYY-MM-DD date when the precision is ${p}`);
      return;
    }
    if ((p === 'month' || p === 'year') && !date.endsWith('-01')) this.fail(field, 'period-start', `${field} must be the first day of its ${p}`);
    if (p === 'year' && date.slice(5, 7) !== '01') this.fail(field, 'period-start', `${field} must be the first day of its year`);
  }
}

function checkReport(c: Checker, value: unknown, field: string): void {
  const report = c.object(value, field);
  if (!report) return;
  const url = c.nullableText(report.url, `${field}.url`, 1, 2000);
  if (url !== null) {
    let key: string | null = null;
    try {
      key = normalizeReportUrl(url);
    } catch (error) {
      c.fail(`${field}.url`, 'http-url', `${field}.url: ${(error as Error).message}`);
    }
    // The identity must be the one the API derives from the URL, or two files could key one article twice.
    if (key !== null && report.urlKey !== key) c.fail(`${field}.urlKey`, 'url-key', `${field}.urlKey must be the normalised URL, ${JSON.stringify(key)}`);
  } else if (report.urlKey !== null) {
    c.fail(`${field}.urlKey`, 'url-key', `${field}.urlKey must be null when url is`);
  }
  const publisher = c.nullableText(report.publisher, `${field}.publisher`, 1, 200);
  const described = c.nullableText(report.describedAs, `${field}.describedAs`, 1, 500);
  if (publisher === null && described === null && report.publisher === null && report.describedAs === null) {
    c.fail(`${field}.publisher`, 'named-or-described', `${field} needs a publisher or a describedAs`);
  }
  c.nullableText(report.title, `${field}.title`, 1, 500);
  c.text(report.summary, `${field}.summary`, 0, 10000);
  if (report.language !== null && (typeof report.language !== 'string' || !/^[a-z]{2}$/.test(report.language))) {
    c.fail(`${field}.language`, 'language', `${field}.language must be an ISO 639-1 code such as "en", or null`);
  }
  const published = c.object(report.published, `${field}.published`);
  if (published) c.partialDate(published.date, published.precision, `${field}.published.date`, `${field}.published.precision`);
}

/**
 * A system's developer: null when unknown, else an actor named by slug, name, kind, country and provenance.
 * `country` came later than the rest: a file written before it has no such key, which reads as unknown.
 */
function checkDeveloper(c: Checker, value: unknown, field: string): void {
  if (value === null) return;
  const developer = c.object(value, field);
  if (!developer) return;
  c.slug(developer.slug, `${field}.slug`);
  c.text(developer.name, `${field}.name`, 1, 200);
  c.oneOf(developer.kind, `${field}.kind`, ACTOR_KINDS);
  if (developer.country !== undefined && developer.country !== null) c.country(developer.country, `${field}.country`);
  c.importSource(developer.importedFrom, `${field}.importedFrom`);
}

/**
 * An AI system's description: null when unknown, else up to 2,000 characters (the column's bound; the export
 * writes what is stored, whitespace and all). "" is refused: an export writes an empty one as null. Absent in
 * files written before it was exported, which reads as unknown.
 */
function checkDescription(c: Checker, value: unknown, field: string): void {
  if (value === undefined || value === null) return;
  if (c.text(value, field, 0, 2000) === '') c.fail(field, 'empty', `${field} must be null when there is no description, not ""`);
}

function checkCitations(c: Checker, value: unknown, field: string): void {
  for (const [i, item] of c.list(value, field).entries()) {
    const citation = c.object(item, `${field}[${i}]`);
    if (!citation) continue;
    checkReport(c, citation.report, `${field}[${i}].report`);
    c.nullableText(citation.excerpt, `${field}[${i}].excerpt`, 1, 500);
    c.nullableText(citation.locator, `${field}[${i}].locator`, 1, 200);
  }
}

function checkFigure(c: Checker, value: unknown, field: string): void {
  if (value === null) return;
  const figure = c.object(value, field);
  if (!figure) return;
  if (typeof figure.value !== 'string' || !DECIMAL.test(figure.value)) c.fail(`${field}.value`, 'count', `${field}.value must be a whole number as a decimal string`);
  c.boolean(figure.approximate, `${field}.approximate`);
  checkCitations(c, figure.citations, `${field}.citations`);
}

/**
 * Checks one parsed line against the record shape and the database's rules. `knownTechniques` is the ATLAS
 * taxonomy on record: an id outside it is refused rather than dropped.
 */
export function validateRecord(value: unknown, knownTechniques: ReadonlySet<string>): LineResult {
  const c = new Checker();
  const r = c.object(value, 'record');
  if (!r) return { ok: false, issues: c.issues };
  if (r.schema !== INCIDENT_RECORD_SCHEMA) {
    c.fail('schema', 'schema', `schema must be "${INCIDENT_RECORD_SCHEMA}", not ${JSON.stringify(r.schema)}`);
    return { ok: false, issues: c.issues };
  }
  c.slug(r.slug, 'slug');
  c.text(r.title, 'title', 1, 300);
  c.text(r.summary, 'summary', 0, 10000);
  c.oneOf(r.status, 'status', INCIDENT_STATUSES);
  c.oneOf(r.kind, 'kind', INCIDENT_KINDS);
  c.importSource(r.importedFrom, 'importedFrom');
  const occurred = c.object(r.occurred, 'occurred');
  if (occurred) {
    c.partialDate(occurred.start, occurred.precision, 'occurred.start', 'occurred.precision');
    if (occurred.end !== null) {
      c.partialDate(occurred.end, occurred.precision, 'occurred.end', 'occurred.precision');
      if (typeof occurred.end === 'string' && typeof occurred.start === 'string' && occurred.end < occurred.start) {
        c.fail('occurred.end', 'end-after-start', 'occurred.end must not be before occurred.start');
      }
    }
  }
  const disclosed = c.object(r.disclosed, 'disclosed');
  if (disclosed) c.partialDate(disclosed.date, disclosed.precision, 'disclosed.date', 'disclosed.precision');
  for (const [i, code] of c.list(r.countries, 'countries').entries()) c.country(code, `countries[${i}]`);

  for (const [i, item] of c.list(r.actors, 'actors').entries()) {
    const f = `actors[${i}]`;
    const actor = c.object(item, f);
    if (!actor) continue;
    c.slug(actor.slug, `${f}.slug`);
    c.text(actor.name, `${f}.name`, 1, 200);
    c.oneOf(actor.kind, `${f}.kind`, ACTOR_KINDS);
    if (actor.country !== null) c.country(actor.country, `${f}.country`);
    c.importSource(actor.importedFrom, `${f}.importedFrom`);
    c.oneOf(actor.role, `${f}.role`, INCIDENT_ACTOR_ROLES);
    c.text(actor.note, `${f}.note`, 0, 1000);
  }
  for (const [i, item] of c.list(r.aiSystems, 'aiSystems').entries()) {
    const f = `aiSystems[${i}]`;
    const system = c.object(item, f);
    if (!system) continue;
    c.slug(system.slug, `${f}.slug`);
    c.text(system.name, `${f}.name`, 1, 200);
    c.oneOf(system.kind, `${f}.kind`, AI_SYSTEM_KINDS);
    checkDescription(c, system.description, `${f}.description`);
    checkDeveloper(c, system.developer, `${f}.developer`);
    c.importSource(system.importedFrom, `${f}.importedFrom`);
    if (system.parent !== null) {
      const parent = c.object(system.parent, `${f}.parent`);
      if (parent) {
        c.slug(parent.slug, `${f}.parent.slug`);
        c.text(parent.name, `${f}.parent.name`, 1, 200);
        c.oneOf(parent.kind, `${f}.parent.kind`, AI_SYSTEM_KINDS);
        checkDescription(c, parent.description, `${f}.parent.description`);
        checkDeveloper(c, parent.developer, `${f}.parent.developer`);
        c.importSource(parent.importedFrom, `${f}.parent.importedFrom`);
      }
    }
    c.oneOf(system.role, `${f}.role`, AI_SYSTEM_ROLES);
    c.text(system.usage, `${f}.usage`, 0, 2000);
  }
  for (const [i, id] of c.list(r.techniques, 'techniques').entries()) {
    if (typeof id !== 'string' || !TECHNIQUE.test(id)) c.fail(`techniques[${i}]`, 'atlas-id', `techniques[${i}] must be a MITRE ATLAS id such as "AML.T0054"`);
    else if (!knownTechniques.has(id)) c.fail(`techniques[${i}]`, 'known-technique', `techniques[${i}]: ${id} is not in the ATLAS taxonomy on record`);
  }
  const impact = c.object(r.impact, 'impact');
  if (impact) {
    checkFigure(c, impact.records, 'impact.records');
    checkFigure(c, impact.bytes, 'impact.bytes');
    for (const [i, category] of c.list(impact.dataCategories, 'impact.dataCategories').entries()) c.text(category, `impact.dataCategories[${i}]`, 1, 100);
    checkCitations(c, impact.dataCategoriesCitations, 'impact.dataCategoriesCitations');
  }
  checkCitations(c, r.citations, 'citations');
  const assessment = c.object(r.assessment, 'assessment');
  if (assessment) {
    if (assessment.severity !== null) c.oneOf(assessment.severity, 'assessment.severity', SEVERITIES);
    for (const [i, sector] of c.list(assessment.sectors, 'assessment.sectors').entries()) c.text(sector, `assessment.sectors[${i}]`, 1, 100);
    if (assessment.assessedBy !== ASSESSED_BY) c.fail('assessment.assessedBy', 'assessed-by', `assessment.assessedBy must be "${ASSESSED_BY}"`);
  }
  return c.issues.length > 0 ? { ok: false, issues: c.issues } : { ok: true, record: r as unknown as IncidentRecord };
}

/** Parses and checks one line of text; a line that is not JSON is one issue. */
export function validateLine(line: string, knownTechniques: ReadonlySet<string>): LineResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { ok: false, issues: [{ field: '(line)', rule: 'json', message: `not a JSON value: ${(error as Error).message}` }] };
  }
  return validateRecord(value, knownTechniques);
}
