// incidentChanged: every creation, update and merge of an incident, and, once, the change that took an
// incident out of a subscriber's filter.
import { incidentCapture } from '../../data/event-capture.js';
import { severityRank, type IncidentRow, type Severity } from '../../data/incidents.js';
import type { LoggedEvent } from '../../events/log.js';
import type { LiveTopic } from '../topic.js';
import { hasSystem, hasTechnique, type RolledUp } from './report.js';

/** What incidentChanged filters match on. */
export interface IncidentAttributes {
  incidentIds: string[];
  severityRank: number;
  countries: string[];
  actorIds: string[];
  aiSystemIds: string[];
  /** MITRE ATLAS ids of its techniques (absent in events written before they were captured). */
  techniqueIds?: string[];
}

/**
 * The incident's changes. Updates and merges carry the attributes from before the change (null only in
 * events written before they were kept), which is how a subscriber learns the incident left its filter.
 */
export type IncidentEvent =
  | LoggedEvent<'incident_created', IncidentAttributes, null>
  | LoggedEvent<'incident_updated', IncidentAttributes, IncidentAttributes | null>
  | LoggedEvent<'incident_merged', IncidentAttributes, IncidentAttributes | null>
  | LoggedEvent<'incident_merged_away', IncidentAttributes, IncidentAttributes>;

/**
 * What a subscriber is told happened; 'left_filter' when the change took the incident out of its filter;
 * 'merged_away' when it was a duplicate merged into another incident (said once, never as left_filter).
 */
export type IncidentChange = 'created' | 'updated' | 'merged' | 'merged_away' | 'left_filter';

export const INCIDENT_CHANGES: readonly IncidentChange[] = ['created', 'updated', 'merged', 'merged_away', 'left_filter'];

const CHANGE_OF: Record<Exclude<IncidentEvent['kind'], 'incident_merged_away'>, IncidentChange> = {
  incident_created: 'created',
  incident_updated: 'updated',
  incident_merged: 'merged',
};

/** An incidentChanged filter: every condition given must hold. Ids are local ids. */
export interface IncidentChangeFilter {
  severityAtLeast?: Severity | undefined;
  country?: string | undefined;
  /** An AI system and the ids that count as it (its versions too, unless asked exactly): see ReportFilter. */
  aiSystem?: RolledUp | undefined;
  /** A MITRE ATLAS id; its sub-techniques count too unless techniqueExact. */
  techniqueId?: string | undefined;
  techniqueExact?: boolean | undefined;
  actorId?: string | undefined;
  /** The changes wanted: all of them when absent. */
  changes?: readonly IncidentChange[] | undefined;
}

interface CompiledFilter {
  rank: number;
  country: string | undefined;
  aiSystem: RolledUp | undefined;
  techniqueId: string | undefined;
  techniqueExact: boolean;
  actorId: string | undefined;
  changes: ReadonlySet<IncidentChange>;
}

/** Checks and compiles a filter for matching (country and AI system codes are checked where the ids are parsed). */
export function parseIncidentChangeFilter(input: IncidentChangeFilter): CompiledFilter {
  return {
    rank: input.severityAtLeast ? severityRank(input.severityAtLeast) : 0,
    country: input.country,
    aiSystem: input.aiSystem,
    techniqueId: input.techniqueId,
    techniqueExact: input.techniqueExact ?? false,
    actorId: input.actorId,
    changes: new Set(input.changes?.length ? input.changes : INCIDENT_CHANGES),
  };
}

function matches(filter: CompiledFilter, a: IncidentAttributes): boolean {
  return (
    (a.severityRank ?? 0) >= filter.rank &&
    (!filter.country || (a.countries ?? []).includes(filter.country)) &&
    (!filter.aiSystem || hasSystem(a.aiSystemIds, filter.aiSystem)) &&
    (!filter.techniqueId || hasTechnique(a.techniqueIds, filter.techniqueId, filter.techniqueExact)) &&
    (!filter.actorId || (a.actorIds ?? []).includes(filter.actorId))
  );
}

/** The incidentChanged topic. */
export const incidentTopic: LiveTopic<IncidentEvent, CompiledFilter, IncidentChange, IncidentRow> = {
  name: 'incidentChanged',
  kinds: ['incident_created', 'incident_updated', 'incident_merged', 'incident_merged_away'],
  capture: incidentCapture,
  concerns(filter, event) {
    let change: IncidentChange | undefined;
    // The duplicate lost its links to the target: whom it concerned is whom it matched before the merge.
    if (event.kind === 'incident_merged_away') change = matches(filter, event.previous) ? 'merged_away' : undefined;
    else if (matches(filter, event.attributes)) change = CHANGE_OF[event.kind];
    // It matched before this change and no longer does: said once, so the subscriber can drop it.
    else if (event.previous && matches(filter, event.previous)) change = 'left_filter';
    return change && filter.changes.has(change) ? change : undefined;
  },
  payload(snapshot) {
    const row = snapshot as Omit<IncidentRow, 'created_at' | 'updated_at'> & { created_at: string; updated_at: string };
    return { ...row, created_at: new Date(row.created_at), updated_at: new Date(row.updated_at) };
  },
};
