// reportAdded: every report the moment it is committed; every report that comes to match a subscriber's
// filter later (attached to an incident, or an incident it documents gained an actor, country, AI system or technique);
// once, a report that stops matching it; and a report detached from an incident, to those it still matches.
import { reportCapture } from '../../data/event-capture.js';
import type { ReportRow } from '../../data/reports.js';
import { InvalidFilterError } from '../../events/errors.js';
import type { LoggedEvent } from '../../events/log.js';
import type { LiveTopic } from '../topic.js';

/** What reportAdded filters match on: the report's incidents and, through them, actors, systems, countries. */
export interface ReportAttributes {
  incidentIds: string[];
  actorIds: string[];
  aiSystemIds: string[];
  /** MITRE ATLAS ids of its incidents' techniques (absent in events written before they were captured). */
  techniqueIds?: string[];
  countries: string[];
  /** Null when the report's language is not known. */
  language: string | null;
}

/**
 * report_added: a new report. report_attached: an existing report was linked to an incident.
 * report_rematched: an incident it documents changed what filters match on (actors, countries, AI systems, a
 * merge). report_detached: it was unlinked from an incident. The last three carry in `previous` the
 * report's attributes before, so each subscriber hears of the change only when it concerns it.
 */
export type ReportEvent =
  | LoggedEvent<'report_added', ReportAttributes, null>
  | LoggedEvent<'report_attached', ReportAttributes, ReportAttributes>
  | LoggedEvent<'report_rematched', ReportAttributes, ReportAttributes>
  | LoggedEvent<'report_detached', ReportAttributes, ReportAttributes>;

/**
 * What a subscriber is told happened: added; attached or matched when it comes to match the filter (by a
 * new link, or by a change to an incident it documents); left_filter when it no longer does; detached when it
 * was unlinked from an incident and still matches.
 */
export type ReportChange = 'added' | 'attached' | 'matched' | 'detached' | 'left_filter';

/** A reportAdded filter: every condition given must hold. Ids are local ids. */
export interface ReportFilter {
  incidentId?: string | undefined;
  actorId?: string | undefined;
  /**
   * An AI system, with the ids it stands for: the system and its versions (Claude and Claude Opus 4.6), or
   * only itself when the subscriber asked for the exact one. Expanded when subscribing, as the queries do.
   */
  aiSystem?: RolledUp | undefined;
  /** A MITRE ATLAS id; its sub-techniques count too unless techniqueExact. */
  techniqueId?: string | undefined;
  techniqueExact?: boolean | undefined;
  country?: string | undefined;
  language?: string | undefined;
}

/** Checks and normalises a filter's codes; throws InvalidFilterError naming the field. */
export function parseReportFilter(input: {
  incidentId?: string | undefined;
  actorId?: string | undefined;
  aiSystem?: RolledUp | undefined;
  technique?: string | null | undefined;
  techniqueExact?: boolean | null | undefined;
  country?: string | null | undefined;
  language?: string | null | undefined;
}): ReportFilter {
  const country = input.country?.trim().toUpperCase();
  if (country !== undefined && !/^[A-Z]{2}$/.test(country)) throw new InvalidFilterError('country', 'must be a two-letter ISO 3166-1 code such as "MX"');
  const language = input.language?.trim().toLowerCase();
  if (language !== undefined && !/^[a-z]{2}$/.test(language)) throw new InvalidFilterError('language', 'must be a two-letter ISO 639-1 code such as "es"');
  const techniqueId = parseTechnique(input.technique);
  return {
    incidentId: input.incidentId,
    actorId: input.actorId,
    aiSystem: input.aiSystem,
    techniqueId,
    techniqueExact: input.techniqueExact ?? false,
    country,
    language,
  };
}

/** A technique filter's ATLAS id, checked; throws InvalidFilterError naming `filter.technique`. */
export function parseTechnique(input: string | null | undefined): string | undefined {
  const technique = input?.trim();
  if (technique !== undefined && !/^AML\.TA?\d{4}(\.\d{3})?$/.test(technique)) {
    throw new InvalidFilterError('technique', 'must be a MITRE ATLAS id such as "AML.T0054"');
  }
  return technique;
}

/** A filter value that stands for several ids: an AI system and its versions (or only itself, asked exactly). */
export interface RolledUp {
  /** The id the subscriber gave. */
  id: string;
  /** Every id that counts as it. */
  ids: ReadonlySet<string>;
}

/** Whether any of the record's AI systems counts as the filter's. */
export function hasSystem(aiSystemIds: readonly string[] | undefined, filter: RolledUp): boolean {
  return (aiSystemIds ?? []).some((id) => filter.ids.has(id));
}

/**
 * Whether any of the record's techniques is the filter's or, unless exact, one of its sub-techniques: an
 * ATLAS sub-technique's id is its technique's followed by ".nnn", so no lookup is needed.
 */
export function hasTechnique(techniqueIds: readonly string[] | undefined, technique: string, exact: boolean | undefined): boolean {
  return (techniqueIds ?? []).some((id) => id === technique || (!exact && id.startsWith(`${technique}.`)));
}

function matches(filter: ReportFilter, a: ReportAttributes): boolean {
  // Events written before every attribute was captured may lack some: absent means none.
  return (
    (!filter.incidentId || (a.incidentIds ?? []).includes(filter.incidentId)) &&
    (!filter.actorId || (a.actorIds ?? []).includes(filter.actorId)) &&
    (!filter.aiSystem || hasSystem(a.aiSystemIds, filter.aiSystem)) &&
    (!filter.techniqueId || hasTechnique(a.techniqueIds, filter.techniqueId, filter.techniqueExact)) &&
    (!filter.country || (a.countries ?? []).includes(filter.country)) &&
    (!filter.language || a.language === filter.language)
  );
}

/** The reportAdded topic. */
export const reportTopic: LiveTopic<ReportEvent, ReportFilter, ReportChange, ReportRow> = {
  name: 'reportAdded',
  kinds: ['report_added', 'report_attached', 'report_rematched', 'report_detached'],
  capture: reportCapture,
  concerns(filter, event) {
    const now = matches(filter, event.attributes);
    if (event.kind === 'report_added') return now ? 'added' : undefined;
    const before = matches(filter, event.previous);
    // Announced once, when it starts to match: a subscriber it matched before has had it already...
    if (now && !before) return event.kind === 'report_attached' ? 'attached' : 'matched';
    // ...and once when it stops, so the subscriber can drop it.
    if (before && !now) return 'left_filter';
    // Unlinked from an incident but still in the filter: its links changed under the subscriber's eyes.
    return now && event.kind === 'report_detached' ? 'detached' : undefined;
  },
  payload(snapshot) {
    const row = snapshot as Omit<ReportRow, 'created_at'> & { created_at: string };
    return { ...row, created_at: new Date(row.created_at) };
  },
};
