// reportAdded: every report the moment it is committed, and every report that comes to match a subscriber's
// filter later because it was attached to an incident.
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
  countries: string[];
  /** Null when the report's language is not known. */
  language: string | null;
}

/**
 * report_added: a new report. report_attached: an existing report was linked to an incident; `previous`
 * holds its attributes before, so only subscribers it did not match then receive it.
 */
export type ReportEvent =
  | LoggedEvent<'report_added', ReportAttributes, null>
  | LoggedEvent<'report_attached', ReportAttributes, ReportAttributes>;

/** What a subscriber is told happened. */
export type ReportChange = 'added' | 'attached';

/** A reportAdded filter: every condition given must hold. Ids are local ids. */
export interface ReportFilter {
  incidentId?: string | undefined;
  actorId?: string | undefined;
  aiSystemId?: string | undefined;
  country?: string | undefined;
  language?: string | undefined;
}

/** Checks and normalises a filter's codes; throws InvalidFilterError naming the field. */
export function parseReportFilter(input: {
  incidentId?: string | undefined;
  actorId?: string | undefined;
  aiSystemId?: string | undefined;
  country?: string | null | undefined;
  language?: string | null | undefined;
}): ReportFilter {
  const country = input.country?.trim().toUpperCase();
  if (country !== undefined && !/^[A-Z]{2}$/.test(country)) throw new InvalidFilterError('country', 'must be a two-letter ISO 3166-1 code such as "MX"');
  const language = input.language?.trim().toLowerCase();
  if (language !== undefined && !/^[a-z]{2}$/.test(language)) throw new InvalidFilterError('language', 'must be a two-letter ISO 639-1 code such as "es"');
  return { incidentId: input.incidentId, actorId: input.actorId, aiSystemId: input.aiSystemId, country, language };
}

function matches(filter: ReportFilter, a: ReportAttributes): boolean {
  // Events written before every attribute was captured may lack some: absent means none.
  return (
    (!filter.incidentId || (a.incidentIds ?? []).includes(filter.incidentId)) &&
    (!filter.actorId || (a.actorIds ?? []).includes(filter.actorId)) &&
    (!filter.aiSystemId || (a.aiSystemIds ?? []).includes(filter.aiSystemId)) &&
    (!filter.country || (a.countries ?? []).includes(filter.country)) &&
    (!filter.language || a.language === filter.language)
  );
}

/** The reportAdded topic. */
export const reportTopic: LiveTopic<ReportEvent, ReportFilter, ReportChange, ReportRow> = {
  name: 'reportAdded',
  kinds: ['report_added', 'report_attached'],
  capture: reportCapture,
  concerns(filter, event) {
    if (!matches(filter, event.attributes)) return undefined;
    if (event.kind === 'report_added') return 'added';
    // Announced once, when it starts to match: a subscriber it matched before has had it already.
    return matches(filter, event.previous) ? undefined : 'attached';
  },
  payload(snapshot) {
    const row = snapshot as Omit<ReportRow, 'created_at'> & { created_at: string };
    return { ...row, created_at: new Date(row.created_at) };
  },
};
