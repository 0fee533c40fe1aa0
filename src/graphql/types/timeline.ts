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
import { IncidentRef, PolicyPositionRef, ReportRef } from '../refs.js';
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
  } satisfies Record<string, { value: TimelineType; description: string }>,
});

const TimelineBasisEnum = builder.enumType('TimelineBasis', {
  description: 'Which of its dates places an entry on the timeline.',
  values: {
    OCCURRED: { value: 'occurred', description: 'When the incident began (or is unknown: the entry is undated).' },
    DISCLOSED: {
      value: 'disclosed',
      description: 'When the incident was disclosed: when it began is unknown, so it is placed at its disclosure instead.',
    },
    PUBLISHED: { value: 'published', description: 'When the report was published.' },
    STATED: { value: 'stated', description: 'When the position was stated.' },
  } satisfies Record<string, { value: TimelineBasis; description: string }>,
});

const TimelineNodeUnion = builder.unionType('TimelineNode', {
  description: 'Anything on the timeline.',
  types: [IncidentRef, ReportRef, PolicyPositionRef],
  resolveType: (row) => ('severity' in row ? IncidentRef : 'url_key' in row ? ReportRef : PolicyPositionRef),
});

const TimelineEntryRef = builder.objectRef<TimelineRow>('TimelineEntry').implement({
  description: 'One dated entry on the timeline.',
  fields: (t) => ({
    type: t.field({ type: TimelineTypeEnum, description: 'What kind of entry.', resolve: (row) => row.type }),
    date: t.field({
      type: PartialDateRef,
      description: 'Where it sits: the start of its period, with the precision the sources give.',
      resolve: (row) => ({ date: row.date, precision: row.precision }),
    }),
    basis: t.field({
      type: TimelineBasisEnum,
      description:
        'Which date `date` is: an incident whose start is unknown is placed at its disclosure (DISCLOSED); everything else at its own date.',
      resolve: (row) => row.basis,
    }),
    node: t.field({
      type: TimelineNodeUnion,
      nullable: true,
      description: 'The incident, report or position; null if it was deleted since the page was read.',
      resolve: (row, _args, context) =>
        row.type === 'incident'
          ? IncidentRef.getDataloader(context).load(row.id)
          : row.type === 'report'
            ? ReportRef.getDataloader(context).load(row.id)
            : PolicyPositionRef.getDataloader(context).load(row.id),
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
      description: 'Entries about this actor: incidents it took part in, reports on those incidents, positions it holds or stated.',
    }),
  }),
});

builder.queryFields((t) => ({
  timeline: t.connection({
    type: TimelineEntryRef,
    description:
      'Incidents, reports and policy positions merged in date order: by the start of their period, then precision (day before month before year), then type (incident, report, position), then id. Newest first unless `direction` is ASC; undated entries come last when newest first.',
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
