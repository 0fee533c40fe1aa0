import { incidentsCitedBy } from '../../data/incidents.js';
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
  type PositionScope,
  type Stance,
} from '../../data/policy.js';
import type { Delivered } from '../../events/topic.js';
import { parsePositionFilter, policyPositionTopic, type PositionChange, type PositionEvent } from '../../live/topics/policy-position.js';
import { builder } from '../builder.js';
import { parseId } from '../errors.js';
import { liveEvent, subscribeTopic } from '../live.js';
import { keysetConnection } from '../pagination.js';
import { parseSearchText } from '../search-text.js';
import { ActorRef, CitationRef, IncidentRef, PolicyPositionRef, PolicyTopicRef, ReportRef } from '../refs.js';
import { CitationInputType, SOURCES_DESCRIPTION, citationsFor, parseCitations } from './citation.js';
import { HistoryConnection, loadHistory } from './history.js';
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
  description: 'How sure Faultline is that its sources support the position as recorded: Faultline\'s judgement, not the sources\'.',
  values: Object.fromEntries(CONFIDENCES.map((value) => [value.toUpperCase(), { value, description: `${value} confidence.` }])) as Record<
    Uppercase<Confidence>,
    { value: Confidence; description: string }
  >,
});

/** The arguments of a nested list of positions: what to include besides the current ones. */
export const positionScopeArgs = builder.args((t) => ({
  includeSuperseded: t.boolean({
    defaultValue: false,
    description: 'Include positions that are no longer current (superseded, or remarks that never change a stance).',
  }),
  includeRetracted: t.boolean({ defaultValue: false, description: 'Include retracted positions.' }),
}));

/** The data layer's scope from those arguments. */
export function positionScope(args: { includeSuperseded?: boolean | null; includeRetracted?: boolean | null }): PositionScope {
  return { includeSuperseded: args.includeSuperseded ?? false, includeRetracted: args.includeRetracted ?? false };
}

const PositionAssessmentRef = builder.objectRef<PolicyPositionRow>('PositionAssessment').implement({
  description: 'Faultline\'s own judgements about a position, kept apart from what the sources state.',
  fields: (t) => ({
    assessedBy: t.string({ description: 'Who made these judgements: always "Faultline", never a source.', resolve: () => 'Faultline' }),
    confidence: t.field({
      type: ConfidenceEnum,
      description: 'How sure Faultline is that its sources support the position as recorded.',
      resolve: (row) => row.confidence,
    }),
  }),
});

PolicyPositionRef.implement({
  description:
    'A stance an actor holds on a policy topic, as its sources report it. The actor\'s current position on a topic is its latest *stated* one that is not retracted (ties by recording order).',
  fields: (t) => ({
    stance: t.field({ type: StanceEnum, description: 'The stance.', resolve: (row) => row.stance }),
    summary: t.exposeString('summary', { description: 'What the actor holds, in Faultline\'s words.' }),
    quote: t.exposeString('quote', {
      nullable: true,
      description: 'Verbatim words, found exactly in the excerpt of one of its sources; null when none is recorded (the summary then says it in Faultline\'s words).',
    }),
    stated: t.field({
      type: PartialDateRef,
      description: 'When it was stated, as precisely as the sources give it.',
      resolve: (row) => ({ date: row.stated_on, precision: row.stated_precision }),
    }),
    confidence: t.field({
      type: ConfidenceEnum,
      deprecationReason: 'Confidence is Faultline\'s judgement, not the sources\': read it from `assessment`, which says so.',
      description: 'Faultline\'s confidence that the sources support it. Same as `assessment.confidence`.',
      resolve: (row) => row.confidence,
    }),
    assessment: t.field({
      type: PositionAssessmentRef,
      description: 'Faultline\'s own judgements (confidence), apart from what the sources state.',
      resolve: (row) => row,
    }),
    isCurrent: t.exposeBoolean('is_current', {
      description: 'True when it is the actor\'s current position on the topic: its latest stated one that is not retracted.',
    }),
    changesStance: t.exposeBoolean('changes_stance', {
      description: 'False for a remark recorded without changing the actor\'s stance: it is never current and supersedes nothing.',
    }),
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
      description: 'The person who stated it for the actor, when the sources name one.',
      resolve: (row) => row.speaker_id,
    }),
    speakerDescription: t.exposeString('speaker_description', {
      nullable: true,
      description: 'The speaker the sources describe without naming ("an Anthropic spokesperson"); null when named or when no speaker is given.',
    }),
    topic: t.field({ type: PolicyTopicRef, description: 'The topic.', resolve: (row) => row.topic_id }),
    sources: t.field({
      type: [CitationRef],
      description: SOURCES_DESCRIPTION,
      resolve: (row, _args, context) => citationsFor(context, 'position', row.id),
    }),
    sourceReport: t.field({
      type: ReportRef,
      deprecationReason: 'A position may cite several reports: use `sources`.',
      description: 'The first report the position was recorded with.',
      resolve: async (row, _args, context) => {
        const citations = await citationsFor(context, 'position', row.id);
        const first = citations.reduce((a, b) => (BigInt(a.id) < BigInt(b.id) ? a : b));
        return first.report_id;
      },
    }),
    supersedes: t.field({
      type: PolicyPositionRef,
      nullable: true,
      description: 'The actor\'s previous stance on the topic by stated date (retracted ones skipped); null for the first, and for remarks.',
      resolve: (row) => row.supersedes_id,
    }),
    supersededBy: t.field({
      type: PolicyPositionRef,
      nullable: true,
      description: 'The actor\'s next stance on the topic by stated date (retracted ones skipped); null while it is current, and for remarks.',
      resolve: (row) => row.superseded_by_id,
    }),
    citedIncidents: t.loadableList({
      type: IncidentRef,
      description: 'Incidents this position cites (only those its sources say it cites).',
      load: (ids: string[], context) => incidentsCitedBy(context.sql, 'position', ids),
      resolve: (row) => row.id,
    }),
    history: t.loadable({
      type: HistoryConnection,
      description: 'Every change to this position, newest first: who (the key\'s name), when, which fields from what to what.',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: loadHistory('position'),
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
    includeSuperseded: t.boolean({
      defaultValue: false,
      description: 'Include positions that are no longer current: superseded by a later stated one, or remarks that never change a stance.',
    }),
    includeRetracted: t.boolean({ defaultValue: false, description: 'Include retracted positions.' }),
    search: t.string({
      description: 'Full-text search over summary and quote (English and Spanish, accents ignored; "phrase", OR, -excluded).',
    }),
  }),
});

builder.queryFields((t) => ({
  policyPositions: t.connection({
    type: PolicyPositionRef,
    description: 'Policy positions, most recently stated first (current ones unless includeSuperseded; never retracted ones unless includeRetracted).',
    args: { filter: t.arg({ type: PolicyPositionFilterInput, description: 'Conditions every position must meet.' }) },
    resolve: (_root, args, context) => {
      const filter = {
        actorId: args.filter?.actor ? parseId(args.filter.actor, 'Actor', 'filter.actor') : undefined,
        topicId: args.filter?.topic ? parseId(args.filter.topic, 'PolicyTopic', 'filter.topic') : undefined,
        stances: args.filter?.stance ?? undefined,
        includeSuperseded: args.filter?.includeSuperseded ?? false,
        includeRetracted: args.filter?.includeRetracted ?? false,
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
  description: 'A stance an actor took, with the reports it comes from.',
  fields: (t) => ({
    actor: t.id({ required: true, description: 'Who holds it.' }),
    speaker: t.id({ description: 'The person who stated it for the actor, when the sources name one.' }),
    speakerDescription: t.string({ description: 'A speaker the sources do not name, in words ("an Anthropic spokesperson"); not with speaker.' }),
    topic: t.id({ required: true, description: 'The policy topic.' }),
    stance: t.field({ type: StanceEnum, required: true, description: 'The stance.' }),
    summary: t.string({ required: true, description: 'What the actor holds, in your own words (1-2000 characters).' }),
    quote: t.string({
      description: 'Verbatim words (at most 25 words, 200 characters); they must appear exactly in the excerpt of one of the sources.',
    }),
    statedAt: t.field({ type: 'Date', description: 'When it was stated; required unless precision is UNKNOWN.' }),
    statedPrecision: t.field({ type: DatePrecisionEnum, required: true, description: 'How precisely statedAt is known.' }),
    sources: t.field({ type: [CitationInputType], required: true, description: 'The reports it comes from: at least one.' }),
    confidence: t.field({ type: ConfidenceEnum, description: 'Faultline\'s confidence that the sources support it (default MEDIUM).' }),
    changesStance: t.boolean({
      defaultValue: true,
      description: 'False records a remark that does not change the actor\'s stance (an official explaining why talks go on): it is never current and supersedes nothing.',
    }),
    cites: t.idList({ description: 'Incidents the position cites (only those its sources say it cites).' }),
  }),
});

builder.mutationFields((t) => ({
  recordPolicyPosition: t.field({
    type: PolicyPositionRef,
    description:
      'Records a position with its sources. It becomes the actor\'s current position on the topic if it is the latest stated one (recording an older stance changes nothing current). Needs an editor key.',
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
        () =>
          recordPolicyPosition(
            context.sql,
            {
              actorId: parseId(input.actor, 'Actor', 'actor'),
              speakerId: input.speaker ? parseId(input.speaker, 'Actor', 'speaker') : null,
              speakerDescription: input.speakerDescription,
              topicId: parseId(input.topic, 'PolicyTopic', 'topic'),
              stance: input.stance,
              summary: input.summary,
              quote: input.quote,
              statedAt: input.statedAt,
              statedPrecision: input.statedPrecision,
              sources: parseCitations(input.sources, 'sources'),
              confidence: input.confidence,
              changesStance: input.changesStance,
              citedIncidentIds: input.cites?.map((id, i) => parseId(id, 'Incident', `cites[${i}]`)),
            },
            { keyId: context.viewer.keyId },
          ),
      );
    },
  }),
  retractPolicyPosition: t.field({
    type: PolicyPositionRef,
    description:
      'Retracts a position; if it was current, the actor\'s previous stance on the topic is current again. Announced to policyPositionRecorded subscribers as RETRACTED. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: { id: t.arg.id({ required: true, description: 'The position.' }) },
    resolve: (_root, args, context) =>
      retractPolicyPosition(context.sql, parseId(args.id, 'PolicyPosition', 'id'), { keyId: context.viewer.keyId }),
  }),
}));

// ---- Live ---------------------------------------------------------------------------------------------

const PositionChangeEnum = builder.enumType('PositionChange', {
  description: 'What happened to a policy position.',
  values: {
    RECORDED: { value: 'recorded', description: 'It was recorded.' },
    UPDATED: { value: 'updated', description: 'Its sources changed after it was recorded: a citation was added or removed.' },
    RETRACTED: { value: 'retracted', description: 'It was retracted; if it was current, the actor\'s previous stance on the topic is current again.' },
  } as const satisfies Record<string, { value: PositionChange; description: string }>,
});

const PolicyPositionRecordedEventRef = builder
  .objectRef<Delivered<PositionChange, PolicyPositionRow, PositionEvent>>('PolicyPositionRecordedEvent')
  .implement({
    description: 'A policy position was recorded, its sources changed, or it was retracted.',
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
    changes: t.field({ type: [PositionChangeEnum], description: 'Only these changes (default: all of them: RECORDED, UPDATED and RETRACTED).' }),
  }),
});

builder.subscriptionFields((t) => ({
  policyPositionRecorded: t.field({
    type: PolicyPositionRecordedEventRef,
    description:
      'Every new policy position as it commits, every change of its sources (UPDATED) and its retraction, unless the filter asks for fewer changes; with `after`, replays what was missed first.',
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
