// reportAdded: every report the moment it is committed; every report that comes to match a subscriber's
// filter later (attached to an incident, or an incident it documents gained an actor, country or AI system);
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
  /** The AI systems and the families they belong to (absent in events written before families counted). */
  aiSystemLineIds?: string[];
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
  aiSystemId?: string | undefined;
  /** With aiSystemId: that system only, not its versions. */
  aiSystemExact?: boolean | undefined;
  country?: string | undefined;
  language?: string | undefined;
}

/** Checks and normalises a filter's codes; throws InvalidFilterError naming the field. */
export function parseReportFilter(input: {
  incidentId?: string | undefined;
  actorId?: string | undefined;
  aiSystemId?: string | undefined;
  aiSystemExact?: boolean | null | undefined;
  country?: string | null | undefined;
  language?: string | null | undefined;
}): ReportFilter {
  const country = input.country?.trim().toUpperCase();
  if (country !== undefined && !/^[A-Z]{2}$/.test(country)) throw new InvalidFilterError('country', 'must be a two-letter ISO 3166-1 code such as "MX"');
  const language = input.language?.trim().toLowerCase();
  if (language !== undefined && !/^[a-z]{2}$/.test(language)) throw new InvalidFilterError('language', 'must be a two-letter ISO 639-1 code such as "es"');
  return { incidentId: input.incidentId, actorId: input.actorId, aiSystemId: input.aiSystemId, aiSystemExact: input.aiSystemExact ?? false, country, language };
}

/** The AI systems a filter on one matches: the systems themselves, or (rolled up) with their families too. */
export function systemsOf(a: { aiSystemIds?: string[]; aiSystemLineIds?: string[] }, exact: boolean | undefined): string[] {
  return (exact ? a.aiSystemIds : (a.aiSystemLineIds ?? a.aiSystemIds)) ?? [];
}

function matches(filter: ReportFilter, a: ReportAttributes): boolean {
  // Events written before every attribute was captured may lack some: absent means none.
  return (
    (!filter.incidentId || (a.incidentIds ?? []).includes(filter.incidentId)) &&
    (!filter.actorId || (a.actorIds ?? []).includes(filter.actorId)) &&
    (!filter.aiSystemId || systemsOf(a, filter.aiSystemExact).includes(filter.aiSystemId)) &&
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
