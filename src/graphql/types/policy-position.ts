import { incidentsCitedByPositions } from '../../data/incidents.js';
import { recordPolicyPosition, retractPolicyPosition } from '../../data/policy-changes.js';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../idempotency.js';
import {
  CONFIDENCES,
  STANCES,
  countPositions,
  listPositions,
  positionsByIds,
  type Confidence,
  type PolicyPositionRow,
  type Stance,
} from '../../data/policy.js';
import type { Delivered } from '../../events/topic.js';
import { parsePositionFilter, policyPositionTopic, type PositionChange, type PositionEvent } from '../../live/topics/policy-position.js';
import { builder } from '../builder.js';
import { parseId } from '../errors.js';
import { liveEvent, subscribeTopic } from '../live.js';
import { keysetConnection } from '../pagination.js';
import { parseSearchText } from '../search-text.js';
import { ActorRef, IncidentRef, PolicyPositionRef, PolicyTopicRef, ReportRef } from '../refs.js';
import { DatePrecisionEnum, PartialDateRef } from './dates.js';
import { WRITE_ERRORS } from './errors.js';
import { LiveEventInterface } from './live-event.js';

export const StanceEnum = builder.enumType('Stance', {
  description: 'Where an actor stands on a policy topic.',
  values: Object.fromEntries(STANCES.map((value) => [value.toUpperCase(), { value, description: `The actor ${value === 'conditional' ? 'supports it on conditions' : value === 'unclear' ? 'has no clear stance' : value === 'neutral' ? 'is neutral' : value + ' it'}.` }])) as Record<
    Uppercase<Stance>,
    { value: Stance; description: string }
  >,
});

export const ConfidenceEnum = builder.enumType('Confidence', {
  description: 'How sure Faultline is that the source supports the position as recorded.',
  values: Object.fromEntries(CONFIDENCES.map((value) => [value.toUpperCase(), { value, description: `${value} confidence.` }])) as Record<
    Uppercase<Confidence>,
    { value: Confidence; description: string }
  >,
});

PolicyPositionRef.implement({
  description: 'A stance an actor took on a policy topic, citing the report it comes from.',
  fields: (t) => ({
    stance: t.field({ type: StanceEnum, description: 'The stance.', resolve: (row) => row.stance }),
    summary: t.exposeString('summary', { description: 'What the actor holds, in Faultline\'s words.' }),
    quote: t.exposeString('quote', { nullable: true, description: 'A short attributed fragment, when the source has one.' }),
    stated: t.field({
      type: PartialDateRef,
      description: 'When it was stated.',
      resolve: (row) => ({ date: row.stated_on, precision: row.stated_precision }),
    }),
    confidence: t.field({ type: ConfidenceEnum, description: 'How well the source supports it.', resolve: (row) => row.confidence }),
    isCurrent: t.exposeBoolean('is_current', { description: 'True when it is the actor\'s current position on the topic.' }),
    retractedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was retracted; null while it stands.',
      resolve: (row) => row.retracted_at,
    }),
    createdAt: t.field({ type: 'DateTime', description: 'When Faultline recorded it.', resolve: (row) => row.created_at }),
    actor: t.field({ type: ActorRef, description: 'Who holds it.', resolve: (row) => row.actor_id }),
    speaker: t.field({
      type: ActorRef,
      nullable: true,
      description: 'The person who stated it for the actor, when named.',
      resolve: (row) => row.speaker_id,
    }),
    topic: t.field({ type: PolicyTopicRef, description: 'The topic.', resolve: (row) => row.topic_id }),
    sourceReport: t.field({ type: ReportRef, description: 'The report it comes from.', resolve: (row) => row.source_report_id }),
    supersedes: t.field({
      type: PolicyPositionRef,
      nullable: true,
      description: 'The earlier position of the same actor on the topic that this one replaced.',
      resolve: (row) => row.supersedes_id,
    }),
    supersededBy: t.field({
      type: PolicyPositionRef,
      nullable: true,
      description: 'The later position that replaced this one.',
      resolve: (row) => row.superseded_by_id,
    }),
    citedIncidents: t.loadableList({
      type: IncidentRef,
      description: 'Incidents this position cites.',
      load: (ids: string[], context) => incidentsCitedByPositions(context.sql, ids),
      resolve: (row) => row.id,
    }),
  }),
});

const PolicyPositionFilterInput = builder.inputType('PolicyPositionFilter', {
  description: 'Narrows a position list.',
  fields: (t) => ({
    actor: t.id({ description: 'Only positions of this actor.' }),
    topic: t.id({ description: 'Only positions on this topic.' }),
    stance: t.field({ type: [StanceEnum], description: 'Any of these stances.' }),
    includeSuperseded: t.boolean({ defaultValue: false, description: 'Include superseded and retracted positions.' }),
    search: t.string({
      description: 'Full-text search over summary and quote (English and Spanish, accents ignored; "phrase", OR, -excluded).',
    }),
  }),
});

builder.queryFields((t) => ({
  policyPositions: t.connection({
    type: PolicyPositionRef,
    description: 'Policy positions, most recently stated first (current ones unless includeSuperseded).',
    args: { filter: t.arg({ type: PolicyPositionFilterInput, description: 'Conditions every position must meet.' }) },
    resolve: (_root, args, context) => {
      const filter = {
        actorId: args.filter?.actor ? parseId(args.filter.actor, 'Actor', 'filter.actor') : undefined,
        topicId: args.filter?.topic ? parseId(args.filter.topic, 'PolicyTopic', 'filter.topic') : undefined,
        stances: args.filter?.stance ?? undefined,
        includeSuperseded: args.filter?.includeSuperseded ?? false,
        search: parseSearchText(args.filter?.search, 'filter.search'),
      };
      return keysetConnection(
        { name: 'positions', keyType: 'date' },
        args,
        (page) => listPositions(context.sql, filter, page),
        () => countPositions(context.sql, filter),
      );
    },
  }),
}));

// ---- Writes -------------------------------------------------------------------------------------------

const RecordPolicyPositionInput = builder.inputType('RecordPolicyPositionInput', {
  description: 'A stance an actor took, with the report it comes from.',
  fields: (t) => ({
    actor: t.id({ required: true, description: 'Who holds it.' }),
    speaker: t.id({ description: 'The person who stated it for the actor.' }),
    topic: t.id({ required: true, description: 'The policy topic.' }),
    stance: t.field({ type: StanceEnum, required: true, description: 'The stance.' }),
    summary: t.string({ required: true, description: 'What the actor holds, in your own words (1-2000 characters).' }),
    quote: t.string({ description: 'A short attributed fragment (at most 25 words, 200 characters).' }),
    statedAt: t.field({ type: 'Date', description: 'When it was stated; required unless precision is UNKNOWN.' }),
    statedPrecision: t.field({ type: DatePrecisionEnum, required: true, description: 'How precisely statedAt is known.' }),
    sourceReport: t.id({ required: true, description: 'The report it comes from.' }),
    confidence: t.field({ type: ConfidenceEnum, description: 'How well the source supports it (default MEDIUM).' }),
    cites: t.idList({ description: 'Incidents the position cites.' }),
  }),
});

builder.mutationFields((t) => ({
  recordPolicyPosition: t.field({
    type: PolicyPositionRef,
    description: 'Records a position; it supersedes the actor\'s current position on the topic. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: {
      input: t.arg({ type: RecordPolicyPositionInput, required: true, description: 'The position.' }),
      idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, context) => {
      const { input } = args;
      return idempotent(
        context,
        'recordPolicyPosition',
        args,
        (position) => position.id,
        async (id) => (await positionsByIds(context.sql, [id]))[0]!,
        () => recordPolicyPosition(context.sql, {
        actorId: parseId(input.actor, 'Actor', 'actor'),
        speakerId: input.speaker ? parseId(input.speaker, 'Actor', 'speaker') : null,
        topicId: parseId(input.topic, 'PolicyTopic', 'topic'),
        stance: input.stance,
        summary: input.summary,
        quote: input.quote,
        statedAt: input.statedAt,
        statedPrecision: input.statedPrecision,
        sourceReportId: parseId(input.sourceReport, 'Report', 'sourceReport'),
        confidence: input.confidence,
        citedIncidentIds: input.cites?.map((id, i) => parseId(id, 'Incident', `cites[${i}]`)),
      }),
      );
    },
  }),
  retractPolicyPosition: t.field({
    type: PolicyPositionRef,
    description: 'Retracts a position; the one it superseded becomes current again. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: { id: t.arg.id({ required: true, description: 'The position.' }) },
    resolve: (_root, args, context) => retractPolicyPosition(context.sql, parseId(args.id, 'PolicyPosition', 'id')),
  }),
}));

// ---- Live ---------------------------------------------------------------------------------------------

const PositionChangeEnum = builder.enumType('PositionChange', {
  description: 'What happened to a policy position.',
  values: {
    RECORDED: { value: 'recorded', description: 'It was recorded.' },
    RETRACTED: { value: 'retracted', description: 'It was retracted; the position it superseded is current again.' },
  } as const satisfies Record<string, { value: PositionChange; description: string }>,
});

const PolicyPositionRecordedEventRef = builder
  .objectRef<Delivered<PositionChange, PolicyPositionRow, PositionEvent>>('PolicyPositionRecordedEvent')
  .implement({
    description: 'A policy position was recorded, or (for subscribers that ask) retracted.',
    interfaces: [LiveEventInterface],
    fields: (t) => ({
      change: t.field({ type: PositionChangeEnum, description: 'What happened.', resolve: (event) => event.change }),
      position: t.field({
        type: PolicyPositionRef,
        description:
          'The position as this event announced it (isCurrent then, retracted or not; what it links to, as it is now). Events written before Faultline kept snapshots show it as it is now.',
        resolve: (event) => event.payload ?? event.event.entity_id,
      }),
      positionNow: t.field({
        type: PolicyPositionRef,
        nullable: true,
        description: 'The position as it is now.',
        resolve: (event) => event.event.entity_id,
      }),
    }),
  });

const PolicyPositionRecordedFilter = builder.inputType('PolicyPositionRecordedFilter', {
  description: 'Which positions to receive; all given conditions must hold.',
  fields: (t) => ({
    topic: t.id({ description: 'Positions on this topic.' }),
    actor: t.id({ description: 'Positions of this actor.' }),
    stance: t.field({ type: [StanceEnum], description: 'Positions with any of these stances.' }),
    changes: t.field({ type: [PositionChangeEnum], description: 'Only these changes (default RECORDED only; add RETRACTED to hear of retractions).' }),
  }),
});

builder.subscriptionFields((t) => ({
  policyPositionRecorded: t.field({
    type: PolicyPositionRecordedEventRef,
    description: 'Every new policy position as it commits (and its retraction, when the filter asks); with `after`, replays what was missed first.',
    args: {
      filter: t.arg({ type: PolicyPositionRecordedFilter, description: 'Which positions to receive.' }),
      after: t.arg.string({ description: 'Resume after this event cursor.' }),
    },
    subscribe: (_root, args, context) =>
      subscribeTopic(
        context,
        policyPositionTopic,
        () =>
          parsePositionFilter({
            topicId: args.filter?.topic ? parseId(args.filter.topic, 'PolicyTopic', 'filter.topic') : undefined,
            actorId: args.filter?.actor ? parseId(args.filter.actor, 'Actor', 'filter.actor') : undefined,
            stances: args.filter?.stance ?? undefined,
            changes: args.filter?.changes ?? undefined,
          }),
        args.after,
      ),
    resolve: liveEvent,
  }),
}));
