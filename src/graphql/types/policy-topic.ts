import { upsertPolicyTopic } from '../../data/catalog-changes.js';
import { STANCES, listTopics, positionsOfTopics, topicBySlug, type PolicyPositionRow, type Stance } from '../../data/policy.js';
import { builder } from '../builder.js';
import { PolicyPositionRef, PolicyTopicRef } from '../refs.js';
import { WRITE_ERRORS } from './errors.js';
import { StanceEnum } from './policy-position.js';

interface StanceGroupShape {
  stance: Stance;
  positions: PolicyPositionRow[];
}

const StanceGroupRef = builder.objectRef<StanceGroupShape>('StanceGroup').implement({
  description: 'The current positions on a topic that share one stance.',
  fields: (t) => ({
    stance: t.field({ type: StanceEnum, description: 'The stance.', resolve: (group) => group.stance }),
    count: t.int({ description: 'How many actors hold it.', resolve: (group) => group.positions.length }),
    positions: t.field({ type: [PolicyPositionRef], description: 'The positions.', resolve: (group) => group.positions }),
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
      description: 'Positions on this topic (current ones unless includeSuperseded), grouped by stance order.',
      byPath: true,
      args: { includeSuperseded: t.arg.boolean({ defaultValue: false, description: 'Include superseded and retracted positions.' }) },
      load: (ids: string[], context, args) => positionsOfTopics(context.sql, ids, args.includeSuperseded ?? false),
      resolve: (row) => row.id,
    }),
    positionsByStance: t.loadableList({
      type: StanceGroupRef,
      description: 'Current positions grouped by stance; stances nobody holds are left out.',
      load: async (ids: string[], context) => {
        const groups = await positionsOfTopics(context.sql, ids, false);
        return groups.map((positions) =>
          STANCES.map((stance) => ({ stance, positions: positions.filter((p) => p.stance === stance) })).filter(
            (group) => group.positions.length > 0,
          ),
        );
      },
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
