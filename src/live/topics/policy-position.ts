// policyPositionRecorded: every policy position as it is recorded, as its sources change and as it is
// retracted (a subscriber may ask for some of these only).
import { positionCapture } from '../../data/event-capture.js';
import type { PolicyPositionRow, Stance } from '../../data/policy.js';
import type { LoggedEvent } from '../../events/log.js';
import type { LiveTopic } from '../topic.js';

/** What policyPositionRecorded filters match on; a position's topic, actor and stance never change. */
export interface PositionAttributes {
  topicId: string;
  actorIds: string[];
  stance: string;
}

export type PositionEvent =
  | LoggedEvent<'position_recorded', PositionAttributes, null>
  | LoggedEvent<'position_retracted', PositionAttributes, null>
  | LoggedEvent<'position_updated', PositionAttributes, null>;

/** What a subscriber is told happened; 'updated' when its sources changed after it was recorded. */
export type PositionChange = 'recorded' | 'updated' | 'retracted';

/** A policyPositionRecorded filter: every condition given must hold. Ids are local ids. */
export interface PositionFilter {
  topicId?: string | undefined;
  actorId?: string | undefined;
  /** Any of these stances; all when absent. */
  stances?: readonly Stance[] | undefined;
  /** The changes wanted: all when absent. */
  changes?: readonly PositionChange[] | undefined;
}

interface CompiledFilter {
  topicId: string | undefined;
  actorId: string | undefined;
  stances: ReadonlySet<string> | undefined;
  changes: ReadonlySet<PositionChange>;
}

/** Compiles a filter for matching. */
export function parsePositionFilter(input: PositionFilter): CompiledFilter {
  return {
    topicId: input.topicId,
    actorId: input.actorId,
    stances: input.stances?.length ? new Set(input.stances) : undefined,
    // Every change by default: a client that holds a stakeholder's current position must hear that it was
    // withdrawn (each event's `change` says which it is), or its view keeps a position that no longer stands.
    changes: new Set(input.changes?.length ? input.changes : ['recorded', 'updated', 'retracted']),
  };
}

const CHANGE_OF: Record<PositionEvent['kind'], PositionChange> = {
  position_recorded: 'recorded',
  position_updated: 'updated',
  position_retracted: 'retracted',
};

/** The policyPositionRecorded topic. */
export const policyPositionTopic: LiveTopic<PositionEvent, CompiledFilter, PositionChange, PolicyPositionRow> = {
  name: 'policyPositionRecorded',
  kinds: ['position_recorded', 'position_updated', 'position_retracted'],
  capture: positionCapture,
  concerns(filter, { kind, attributes: a }) {
    const change = CHANGE_OF[kind];
    const wanted =
      filter.changes.has(change) &&
      (!filter.topicId || a.topicId === filter.topicId) &&
      (!filter.actorId || (a.actorIds ?? []).includes(filter.actorId)) &&
      (!filter.stances || filter.stances.has(a.stance ?? ''));
    return wanted ? change : undefined;
  },
  payload(snapshot) {
    const row = snapshot as Omit<PolicyPositionRow, 'created_at' | 'retracted_at'> & { created_at: string; retracted_at: string | null };
    return { ...row, created_at: new Date(row.created_at), retracted_at: row.retracted_at === null ? null : new Date(row.retracted_at) };
  },
};
