import { upsertPolicyTopic } from '../../data/catalog-changes.js';
import {
  currentPositionsOfTopicStances,
  listTopics,
  positionsOfTopics,
  topicBySlug,
  type Stance,
} from '../../data/policy.js';
import { currentStanceCounts } from '../../data/stance-history.js';
import { builder } from '../builder.js';
import { batchLoader } from '../loaders.js';
import { connectionFromRows, nestedPageRequest } from '../pagination.js';
import { PolicyPositionRef, PolicyTopicRef } from '../refs.js';
import { ActionKindEnum, ActionOutcomeEnum, ActionsConnection, loadActionsOf } from './action.js';
import { WRITE_ERRORS } from './errors.js';
import { StanceEnum, positionScope, positionScopeArgs } from './policy-position.js';

interface StanceGroupShape {
  topicId: string;
  stance: Stance;
  count: number;
}

const StanceGroupPositionsConnection = builder.connectionObject({
  type: PolicyPositionRef,
  name: 'StanceGroupPositionsConnection',
  description: 'The current positions holding one stance on a topic, most recently stated first.',
});

const StanceGroupRef = builder.objectRef<StanceGroupShape>('StanceGroup').implement({
  description: 'The current positions on a topic that share one stance: one per actor.',
  fields: (t) => ({
    stance: t.field({ type: StanceEnum, description: 'The stance.', resolve: (group) => group.stance }),
    count: t.exposeInt('count', { description: 'How many actors hold it.' }),
    positions: t.loadable({
      type: StanceGroupPositionsConnection,
      description: 'The positions, most recently stated first (cursor pagination; totalCount equals count).',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: async (keys: string[], context, args) => {
        const ordering = { name: 'stance-group-positions', keyType: 'date' } as const;
        const parsed = keys.map((key) => {
          const [topicId, stance] = key.split(':') as [string, Stance];
          return { topicId, stance };
        });
        const rows = await currentPositionsOfTopicStances(context.sql, parsed, nestedPageRequest(ordering, args));
        const counts = batchLoader(context, 'current-stance-counts', (ids: readonly string[]) => currentStanceCounts(context.sql, ids));
        return Promise.all(
          parsed.map((key, i) =>
            connectionFromRows(ordering, args, rows[i] ?? [], async () =>
              (await counts.load(key.topicId)).find((row) => row.stance === key.stance)?.count ?? 0,
            ),
          ),
        );
      },
      resolve: (group) => `${group.topicId}:${group.stance}`,
    }),
  }),
});

PolicyTopicRef.implement({
  description: 'A policy question stakeholders take positions on, such as AI in autonomous weapons.',
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Stable, readable key, used by `policyTopic(slug:)`.' }),
    name: t.exposeString('name', { description: 'Name.' }),
    description: t.exposeString('description', { description: 'What the question is.' }),
    positions: t.loadableList({
      type: PolicyPositionRef,
      description:
        'Positions on this topic (current ones unless includeSuperseded; retracted ones only with includeRetracted), in stance order, then most recently stated first.',
      byPath: true,
      args: positionScopeArgs,
      load: (ids: string[], context, args) => positionsOfTopics(context.sql, ids, positionScope(args)),
      resolve: (row) => row.id,
    }),
    positionsByStance: t.loadableList({
      type: StanceGroupRef,
      description: 'Current positions grouped by stance, in stance order; stances nobody holds are left out.',
      // At most one group per stance: the list cannot grow with the data.
      complexity: { field: 1, multiplier: 5 },
      load: async (ids: string[], context) => {
        const counts = batchLoader(context, 'current-stance-counts', (keys: readonly string[]) => currentStanceCounts(context.sql, keys));
        const groups = await counts.loadMany(ids);
        return groups.map((rows, i) => {
          if (rows instanceof Error) throw rows;
          return rows.map((row) => ({ topicId: ids[i]!, stance: row.stance, count: row.count }));
        });
      },
      resolve: (row) => row.id,
    }),
    actions: t.loadable({
      type: ActionsConnection,
      description: 'Actions on this topic (demands, refusals, statements...), most recent first (retracted ones only when asked).',
      byPath: true,
      args: {
        kind: t.arg({ type: [ActionKindEnum], description: 'Only actions of these kinds.' }),
        outcome: t.arg({ type: [ActionOutcomeEnum], description: 'Only actions with these outcomes.' }),
        includeRetracted: t.arg.boolean({ defaultValue: false, description: 'Include retracted actions.' }),
        ...t.arg.connectionArgs(),
      },
      load: loadActionsOf('topic', () => ({ kind: 'topic' })),
      resolve: (row) => row.id,
    }),
  }),
});

builder.queryFields((t) => ({
  policyTopics: t.field({
    type: [PolicyTopicRef],
    description: 'Every policy topic, by name.',
    resolve: (_root, _args, context) => listTopics(context.sql),
  }),
  policyTopic: t.field({
    type: PolicyTopicRef,
    nullable: true,
    description: 'The topic with this slug.',
    args: { slug: t.arg.string({ required: true, description: 'The topic\'s slug.' }) },
    resolve: (_root, args, context) => topicBySlug(context.sql, args.slug),
  }),
}));

const UpsertPolicyTopicInput = builder.inputType('UpsertPolicyTopicInput', {
  description: 'A policy topic to create, or to update when its slug exists.',
  fields: (t) => ({
    slug: t.string({ description: 'Readable key; derived from the name when absent.' }),
    name: t.string({ required: true, description: 'Name (1-200 characters).' }),
    description: t.string({ description: 'What the question is.' }),
  }),
});

builder.mutationField('upsertPolicyTopic', (t) =>
  t.field({
    type: PolicyTopicRef,
    description: 'Creates a policy topic, or updates the one with the same slug. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: { input: t.arg({ type: UpsertPolicyTopicInput, required: true, description: 'The topic.' }) },
    resolve: (_root, { input }, context) => upsertPolicyTopic(context.sql, input),
  }),
);
