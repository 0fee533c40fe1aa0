// Filters given as query parameters (HTTP routes) or options (CLI): the `incidents` filter with actors, AI
// systems and topics named by slug. Every parameter is checked; a bad or unknown one is refused with a
// message naming it (ExportParamError, answered 400), never ignored.
import type { Queryable } from '../db/index.js';
import { ACTOR_KINDS, actorBySlug, type ActorKind } from '../data/actors.js';
import { aiSystemBySlug } from '../data/ai-systems.js';
import {
  INCIDENT_ACTOR_ROLES,
  INCIDENT_STATUSES,
  SEVERITIES,
  type IncidentActorRole,
  type IncidentFilter,
  type IncidentStatus,
  type Severity,
} from '../data/incidents.js';
import { findRegion } from '../data/regions.js';
import { MAX_SEARCH_LENGTH } from '../data/text-search.js';

/** A filter parameter that cannot be used. */
export class ExportParamError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`${parameter}: ${message}`);
    this.name = 'ExportParamError';
  }
}

/** The incident filter parameters, with what each does (documented in docs/export.md). */
export const INCIDENT_PARAMS = [
  'status',
  'severityAtLeast',
  'country',
  'sector',
  'region',
  'aiSystem',
  'aiSystemExact',
  'actor',
  'actorRole',
  'actorKind',
  'technique',
  'techniqueExact',
  'occurredFrom',
  'occurredTo',
  'search',
] as const;

/** Reads parameters; repeated ones and comma-separated values both give lists. */
export class Params {
  private readonly used = new Set<string>();

  constructor(private readonly params: URLSearchParams) {}

  /** The single value of `name`, trimmed; undefined when absent or blank. */
  one(name: string): string | undefined {
    this.used.add(name);
    const values = this.params.getAll(name);
    if (values.length > 1) throw new ExportParamError(name, 'give it once');
    const value = values[0]?.trim();
    return value ? value : undefined;
  }

  /** Every value of `name` (repeated or comma-separated). */
  list(name: string): string[] {
    this.used.add(name);
    return this.params.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  }

  /** One of `allowed` (case ignored). */
  choice<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.one(name)?.toLowerCase();
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) throw new ExportParamError(name, `must be one of ${allowed.join(', ')}; got "${value}"`);
    return value as T;
  }

  /** Several of `allowed`. */
  choices<T extends string>(name: string, allowed: readonly T[]): T[] | undefined {
    const values = this.list(name).map((v) => v.toLowerCase());
    const bad = values.find((v) => !(allowed as readonly string[]).includes(v));
    if (bad !== undefined) throw new ExportParamError(name, `must be one of ${allowed.join(', ')}; got "${bad}"`);
    return values.length ? (values as T[]) : undefined;
  }

  /** true or false; `fallback` when absent. */
  flag(name: string, fallback = false): boolean {
    const value = this.one(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw new ExportParamError(name, `must be true or false; got "${value}"`);
  }

  /** A two-letter ISO 3166-1 code, upper-cased. */
  country(name: string): string | undefined {
    const value = this.one(name)?.toUpperCase();
    if (value !== undefined && !/^[A-Z]{2}$/.test(value)) throw new ExportParamError(name, `must be a two-letter ISO 3166-1 code such as "MX"; got "${value}"`);
    return value;
  }

  /** A YYYY-MM-DD date that exists. */
  date(name: string): string | undefined {
    const value = this.one(name);
    if (value === undefined) return undefined;
    const parsed = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
    if (!parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value) {
      throw new ExportParamError(name, `must be a date as YYYY-MM-DD; got "${value}"`);
    }
    return value;
  }

  /** A slug (lower-case letters, digits and hyphens). */
  slug(name: string): string | undefined {
    const value = this.one(name);
    if (value !== undefined && !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(value)) throw new ExportParamError(name, `must be a slug such as "anthropic"; got "${value}"`);
    return value;
  }

  /** Refuses any parameter that was not read: a misspelt filter must not silently export everything. */
  rejectUnknown(): void {
    for (const name of this.params.keys()) {
      if (!this.used.has(name)) throw new ExportParamError(name, `unknown parameter; the accepted ones are ${[...this.used].sort().join(', ')}`);
    }
  }
}

/** An actor's id by slug; a slug nobody has is refused rather than matching nothing. */
export async function actorIdOf(sql: Queryable, param: string, slug: string | undefined): Promise<string | undefined> {
  if (slug === undefined) return undefined;
  const actor = await actorBySlug(sql, slug);
  if (!actor) throw new ExportParamError(param, `no actor has the slug "${slug}"`);
  return actor.id;
}

/** An AI system's id by slug, refused when unknown. */
export async function aiSystemIdOf(sql: Queryable, param: string, slug: string | undefined): Promise<string | undefined> {
  if (slug === undefined) return undefined;
  const system = await aiSystemBySlug(sql, slug);
  if (!system) throw new ExportParamError(param, `no AI system has the slug "${slug}"`);
  return system.id;
}

/** The `incidents` filter from parameters (the names of INCIDENT_PARAMS), slugs resolved to ids. */
export async function incidentFilterFromParams(sql: Queryable, p: Params): Promise<IncidentFilter> {
  const technique = p.one('technique');
  if (technique !== undefined && !/^AML\.TA?\d{4}(\.\d{3})?$/.test(technique)) {
    throw new ExportParamError('technique', `must be a MITRE ATLAS id such as "AML.T0054"; got "${technique}"`);
  }
  const occurredFrom = p.date('occurredFrom');
  const occurredTo = p.date('occurredTo');
  if (occurredFrom && occurredTo && occurredFrom > occurredTo) throw new ExportParamError('occurredFrom', `is after occurredTo (${occurredTo})`);
  const search = p.one('search');
  if (search !== undefined && search.length > MAX_SEARCH_LENGTH) throw new ExportParamError('search', `must be at most ${MAX_SEARCH_LENGTH} characters`);
  const regionText = p.one('region');
  let regionCode: string | undefined;
  if (regionText !== undefined) {
    if (regionText.length > 100) throw new ExportParamError('region', 'must be an M49 code or region name, at most 100 characters');
    const region = await findRegion(sql, regionText);
    if (!region) throw new ExportParamError('region', `no UN M49 region has the code or name "${regionText}"`);
    regionCode = region.code;
  }
  return {
    statuses: p.choices<IncidentStatus>('status', INCIDENT_STATUSES),
    severityAtLeast: p.choice<Severity>('severityAtLeast', SEVERITIES),
    country: p.country('country'),
    sector: p.one('sector')?.toLowerCase(),
    regionCode,
    aiSystemId: await aiSystemIdOf(sql, 'aiSystem', p.slug('aiSystem')),
    aiSystemExact: p.flag('aiSystemExact'),
    actorId: await actorIdOf(sql, 'actor', p.slug('actor')),
    actorRole: p.choice<IncidentActorRole>('actorRole', INCIDENT_ACTOR_ROLES),
    actorKind: p.choice<ActorKind>('actorKind', ACTOR_KINDS),
    techniqueId: technique,
    techniqueExact: p.flag('techniqueExact'),
    occurredFrom,
    occurredTo,
    search,
  };
}
