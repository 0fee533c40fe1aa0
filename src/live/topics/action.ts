// actionChanged: every action as it is recorded, updated or retracted.
import { actionCapture } from '../../data/event-capture.js';
import type { ActionKind, ActionRow } from '../../data/actions.js';
import type { LoggedEvent } from '../../events/log.js';
import type { LiveTopic } from '../topic.js';

/** What actionChanged filters match on. */
export interface ActionAttributes {
  /** The acting actor and, when named, its speaker. */
  actorIds: string[];
  addresseeIds: string[];
  topicIds: string[];
  kind: string;
  outcome: string | null;
}

export type ActionEvent =
  | LoggedEvent<'action_recorded', ActionAttributes, null>
  | LoggedEvent<'action_updated', ActionAttributes, null>
  | LoggedEvent<'action_retracted', ActionAttributes, null>;

/** What a subscriber is told happened. */
export type ActionChange = 'recorded' | 'updated' | 'retracted';

export const ACTION_CHANGES: readonly ActionChange[] = ['recorded', 'updated', 'retracted'];

/** An actionChanged filter: every condition given must hold. Ids are local ids. */
export interface ActionChangeFilter {
  actorId?: string | undefined;
  addresseeId?: string | undefined;
  topicId?: string | undefined;
  /** Any of these kinds; all when absent. */
  kinds?: readonly ActionKind[] | undefined;
  /** The changes wanted: all of them when absent. */
  changes?: readonly ActionChange[] | undefined;
}

interface CompiledFilter {
  actorId: string | undefined;
  addresseeId: string | undefined;
  topicId: string | undefined;
  kinds: ReadonlySet<string> | undefined;
  changes: ReadonlySet<ActionChange>;
}

/** Compiles a filter for matching. */
export function parseActionFilter(input: ActionChangeFilter): CompiledFilter {
  return {
    actorId: input.actorId,
    addresseeId: input.addresseeId,
    topicId: input.topicId,
    kinds: input.kinds?.length ? new Set(input.kinds) : undefined,
    changes: new Set(input.changes?.length ? input.changes : ACTION_CHANGES),
  };
}

const CHANGE_OF: Record<ActionEvent['kind'], ActionChange> = {
  action_recorded: 'recorded',
  action_updated: 'updated',
  action_retracted: 'retracted',
};

/** The actionChanged topic. */
export const actionTopic: LiveTopic<ActionEvent, CompiledFilter, ActionChange, ActionRow> = {
  name: 'actionChanged',
  kinds: ['action_recorded', 'action_updated', 'action_retracted'],
  capture: actionCapture,
  concerns(filter, { kind, attributes: a }) {
    const change = CHANGE_OF[kind];
    const wanted =
      filter.changes.has(change) &&
      (!filter.actorId || (a.actorIds ?? []).includes(filter.actorId)) &&
      (!filter.addresseeId || (a.addresseeIds ?? []).includes(filter.addresseeId)) &&
      (!filter.topicId || (a.topicIds ?? []).includes(filter.topicId)) &&
      (!filter.kinds || filter.kinds.has(a.kind ?? ''));
    return wanted ? change : undefined;
  },
  payload(snapshot) {
    const row = snapshot as Omit<ActionRow, 'created_at' | 'updated_at' | 'retracted_at'> & {
      created_at: string;
      updated_at: string;
      retracted_at: string | null;
    };
    return {
      ...row,
      created_at: new Date(row.created_at),
      updated_at: new Date(row.updated_at),
      retracted_at: row.retracted_at === null ? null : new Date(row.retracted_at),
    };
  },
};
