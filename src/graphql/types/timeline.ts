import {
  TIMELINE_TYPES,
  countTimeline,
  listTimeline,
  parseTimelineKey,
  type TimelineBasis,
  type TimelineRow,
  type TimelineType,
} from '../../data/search.js';
import { builder } from '../builder.js';
import { badInput, parseId } from '../errors.js';
import { keysetConnection } from '../pagination.js';
import { actionsByIds } from '../../data/actions.js';
import { batchLoader } from '../loaders.js';
import { ActionRef, IncidentRef, PolicyPositionRef, ReportRef } from '../refs.js';
import { DeadlineRef } from './action.js';
import { parseSearchText } from '../search-text.js';
import { PartialDateRef } from './dates.js';
import { OrderDirectionEnum } from './incident.js';

const TimelineTypeEnum = builder.enumType('TimelineType', {
  description: 'A kind of entry on the timeline.',
  values: {
    INCIDENT: {
      value: 'incident',
      description: 'An incident, placed when it began; if that is unknown, when it was disclosed (its `basis` says which).',
    },
    REPORT: { value: 'report', description: 'A report, placed when it was published.' },
    POLICY_POSITION: { value: 'policy_position', description: 'A policy position (not retracted), placed when it was stated.' },
    ACTION: { value: 'action', description: 'An action (not retracted), placed when it was taken.' },
    DEADLINE: {
      value: 'deadline',
      description:
        'An action\'s deadline, placed at its date; one the sources give only in words ("by Friday") is placed at the action that set it, after the actions of that date (its `basis` says which).',
    },
  } satisfies Record<string, { value: TimelineType; description: string }>,
});

const TimelineBasisEnum = builder.enumType('TimelineBasis', {
  description: 'Which of its dates places an entry on the timeline.',
  values: {
    OCCURRED: { value: 'occurred', description: 'When the incident began or the action was taken (or is unknown: the entry is undated).' },
    DISCLOSED: {
      value: 'disclosed',
      description: 'When the incident was disclosed: when it began is unknown, so it is placed at its disclosure instead.',
    },
    PUBLISHED: { value: 'published', description: 'When the report was published.' },
    STATED: { value: 'stated', description: 'When the position was stated.' },
    DEADLINE: { value: 'deadline', description: 'The deadline\'s own date (an action is placed at its own date: OCCURRED).' },
    SET_BY_ACTION: {
      value: 'set_by_action',
      description:
        'The sources give the deadline only in words ("by Friday"): it is placed at the date of the action that set it, and its own date is UNKNOWN.',
    },
  } satisfies Record<string, { value: TimelineBasis; description: string }>,
});

const TimelineNodeUnion = builder.unionType('TimelineNode', {
  description: 'Anything on the timeline.',
  types: [IncidentRef, ReportRef, PolicyPositionRef, ActionRef, DeadlineRef],
  resolveType: (row) =>
    'severity' in row ? IncidentRef
    : 'url_key' in row ? ReportRef
    : 'stance' in row ? PolicyPositionRef
    : 'deadline_of' in row ? DeadlineRef
    : ActionRef,
});

const TimelineEntryRef = builder.objectRef<TimelineRow>('TimelineEntry').implement({
  description: 'One dated entry on the timeline.',
  fields: (t) => ({
    type: t.field({ type: TimelineTypeEnum, description: 'What kind of entry.', resolve: (row) => row.type }),
    date: t.field({
      type: PartialDateRef,
      description:
        'Where it sits: the start of its period, with the precision the sources give; `basis` says which date it is.',
      resolve: (row) => ({ date: row.date, precision: row.precision }),
    }),
    basis: t.field({
      type: TimelineBasisEnum,
      description:
        'Which date `date` is: an incident whose start is unknown is placed at its disclosure (DISCLOSED), a deadline known only in words at its action (SET_BY_ACTION); everything else at its own date.',
      resolve: (row) => row.basis,
    }),
    node: t.field({
      type: TimelineNodeUnion,
      nullable: true,
      description: 'The incident, report, position, action or deadline; null if it was deleted since the page was read.',
      resolve: (row, _args, context) => {
        switch (row.type) {
          case 'incident':
            return IncidentRef.getDataloader(context).load(row.id);
          case 'report':
            return ReportRef.getDataloader(context).load(row.id);
          case 'policy_position':
            return PolicyPositionRef.getDataloader(context).load(row.id);
          case 'action':
            return ActionRef.getDataloader(context).load(row.id);
          case 'deadline':
            // Its own batch: the deadline is a view of the action, typed apart so the union can tell them apart.
            return batchLoader(context, 'timeline-deadlines', async (ids: readonly string[]) =>
              (await actionsByIds(context.sql, ids)).map((action) => (action ? { ...action, deadline_of: action.id } : null)),
            ).load(row.id);
        }
      },
    }),
  }),
});

const TimelineFilterInput = builder.inputType('TimelineFilter', {
  description: 'Narrows the timeline; all given conditions must hold.',
  fields: (t) => ({
    types: t.field({ type: [TimelineTypeEnum], description: 'Only these kinds of entry (default all).' }),
    from: t.field({ type: 'Date', description: 'Entries whose period starts on or after this date.' }),
    to: t.field({ type: 'Date', description: 'Entries whose period starts on or before this date.' }),
    search: t.string({ description: 'Full-text search, as in `search` (English and Spanish, accents ignored; "phrase", OR, -excluded).' }),
    actor: t.id({
      description:
        'Entries about this actor: incidents it took part in, reports on those incidents, positions it holds or stated, actions (and their deadlines) it took, spoke for or was addressed by.',
    }),
  }),
});

builder.queryFields((t) => ({
  timeline: t.connection({
    type: TimelineEntryRef,
    description:
      'Incidents, reports, policy positions, actions and deadlines merged in date order: by the start of their period, then precision (day before month before year), then type (incident, report, position, action, deadline), then id. Newest first unless `direction` is ASC; undated entries come last when newest first.',
    args: {
      filter: t.arg({ type: TimelineFilterInput, description: 'Which entries to include.' }),
      direction: t.arg({ type: OrderDirectionEnum, defaultValue: 'desc', description: 'DESC (newest first, default) or ASC.' }),
    },
    resolve: (_root, args, context) => {
      const f = args.filter;
      const from = f?.from ?? undefined;
      const to = f?.to ?? undefined;
      if (from && to && from > to) throw badInput(`filter.from (${from}) is after filter.to (${to})`, 'filter.from');
      const filter = {
        types: f?.types?.length ? f.types : TIMELINE_TYPES,
        from,
        to,
        search: parseSearchText(f?.search, 'filter.search'),
        actorId: f?.actor ? parseId(f.actor, 'Actor', 'filter.actor') : undefined,
      };
      const direction = args.direction ?? 'desc';
      return keysetConnection(
        { name: `timeline:${direction}`, keyType: 'text' },
        args,
        (page) => {
          for (const [name, cursor] of [['after', page.after], ['before', page.before]] as const) {
            if (cursor && !parseTimelineKey(cursor.key)) throw badInput(`${name} is not a cursor of the timeline`, name);
          }
          return listTimeline(context.sql, filter, direction, page);
        },
        () => countTimeline(context.sql, filter),
      );
    },
  }),
}));
