// incidentChanged: every creation, update and merge of an incident, and, once, the change that took an
// incident out of a subscriber's filter.
import { incidentCapture } from '../../data/event-capture.js';
import { severityRank, type IncidentRow, type Severity } from '../../data/incidents.js';
import type { LoggedEvent } from '../../events/log.js';
import type { LiveTopic } from '../topic.js';

/** What incidentChanged filters match on. */
export interface IncidentAttributes {
  incidentIds: string[];
  severityRank: number;
  countries: string[];
  actorIds: string[];
  aiSystemIds: string[];
}

/**
 * The incident's changes. Updates and merges carry the attributes from before the change (null only in
 * events written before they were kept), which is how a subscriber learns the incident left its filter.
 */
export type IncidentEvent =
  | LoggedEvent<'incident_created', IncidentAttributes, null>
  | LoggedEvent<'incident_updated', IncidentAttributes, IncidentAttributes | null>
  | LoggedEvent<'incident_merged', IncidentAttributes, IncidentAttributes | null>;

/** What a subscriber is told happened; 'left_filter' when the change took the incident out of its filter. */
export type IncidentChange = 'created' | 'updated' | 'merged' | 'left_filter';

export const INCIDENT_CHANGES: readonly IncidentChange[] = ['created', 'updated', 'merged', 'left_filter'];

const CHANGE_OF: Record<IncidentEvent['kind'], IncidentChange> = {
  incident_created: 'created',
  incident_updated: 'updated',
  incident_merged: 'merged',
};

/** An incidentChanged filter: every condition given must hold. Ids are local ids. */
export interface IncidentChangeFilter {
  severityAtLeast?: Severity | undefined;
  country?: string | undefined;
  aiSystemId?: string | undefined;
  actorId?: string | undefined;
  /** The changes wanted: all of them when absent. */
  changes?: readonly IncidentChange[] | undefined;
}

interface CompiledFilter {
  rank: number;
  country: string | undefined;
  aiSystemId: string | undefined;
  actorId: string | undefined;
  changes: ReadonlySet<IncidentChange>;
}

/** Checks and compiles a filter for matching (country and AI system codes are checked where the ids are parsed). */
export function parseIncidentChangeFilter(input: IncidentChangeFilter): CompiledFilter {
  return {
    rank: input.severityAtLeast ? severityRank(input.severityAtLeast) : 0,
    country: input.country,
    aiSystemId: input.aiSystemId,
    actorId: input.actorId,
    changes: new Set(input.changes?.length ? input.changes : INCIDENT_CHANGES),
  };
}

function matches(filter: CompiledFilter, a: IncidentAttributes): boolean {
  return (
    (a.severityRank ?? 0) >= filter.rank &&
    (!filter.country || (a.countries ?? []).includes(filter.country)) &&
    (!filter.aiSystemId || (a.aiSystemIds ?? []).includes(filter.aiSystemId)) &&
    (!filter.actorId || (a.actorIds ?? []).includes(filter.actorId))
  );
}

/** The incidentChanged topic. */
export const incidentTopic: LiveTopic<IncidentEvent, CompiledFilter, IncidentChange, IncidentRow> = {
  name: 'incidentChanged',
  kinds: ['incident_created', 'incident_updated', 'incident_merged'],
  capture: incidentCapture,
  concerns(filter, event) {
    let change: IncidentChange | undefined;
    if (matches(filter, event.attributes)) change = CHANGE_OF[event.kind];
    // It matched before this change and no longer does: said once, so the subscriber can drop it.
    else if (event.previous && matches(filter, event.previous)) change = 'left_filter';
    return change && filter.changes.has(change) ? change : undefined;
  },
  payload(snapshot) {
    const row = snapshot as Omit<IncidentRow, 'created_at' | 'updated_at'> & { created_at: string; updated_at: string };
    return { ...row, created_at: new Date(row.created_at), updated_at: new Date(row.updated_at) };
  },
};
