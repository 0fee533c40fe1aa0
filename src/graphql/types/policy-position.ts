import { incidentsCitedByPositions } from '../../data/incidents.js';
import { CONFIDENCES, STANCES, countPositions, listPositions, type Confidence, type Stance } from '../../data/policy.js';
import { builder } from '../builder.js';
import { parseId } from '../errors.js';
import { keysetConnection } from '../pagination.js';
import { ActorRef, IncidentRef, PolicyPositionRef, PolicyTopicRef, ReportRef } from '../refs.js';
import { PartialDateRef } from './dates.js';

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
      };
      return keysetConnection(
        'positions',
        args,
        (page) => listPositions(context.sql, filter, page),
        () => countPositions(context.sql, filter),
      );
    },
  }),
}));
