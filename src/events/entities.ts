import type { Sql } from '../db/index.js';
import { actionsByIds } from '../data/actions.js';
import { incidentsByIds } from '../data/incidents.js';
import { positionsByIds } from '../data/policy.js';
import { reportsByIds } from '../data/reports.js';
import type { EventKind, EventRow } from './log.js';

const LOADERS: Record<EventKind, (sql: Sql, ids: string[]) => Promise<unknown[]>> = {
  report_added: reportsByIds,
  incident_created: incidentsByIds,
  incident_updated: incidentsByIds,
  incident_merged: incidentsByIds,
  position_recorded: positionsByIds,
  position_retracted: positionsByIds,
  action_recorded: actionsByIds,
  action_updated: actionsByIds,
  action_retracted: actionsByIds,
};

/** An event with the current row of the record it concerns (null if that record is gone). */
export type LoadedEvent = EventRow & { entity: unknown };

/**
 * Loads the records a batch of events concerns, one statement per kind, so fanning an event out to
 * thousands of subscribers costs one read per process, not one per subscriber.
 */
export async function loadEventEntities(sql: Sql, events: EventRow[]): Promise<LoadedEvent[]> {
  const byKind = new Map<EventKind, string[]>();
  for (const event of events) byKind.set(event.kind, [...(byKind.get(event.kind) ?? []), event.entity_id]);
  const loaded = new Map<string, unknown>();
  for (const [kind, ids] of byKind) {
    const unique = [...new Set(ids)];
    const rows = await LOADERS[kind](sql, unique);
    unique.forEach((id, index) => loaded.set(`${kind}:${id}`, rows[index] ?? null));
  }
  return events.map((event) => ({ ...event, entity: loaded.get(`${event.kind}:${event.entity_id}`) ?? null }));
}
