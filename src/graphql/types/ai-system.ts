import { AI_SYSTEM_KINDS, aiSystemBySlug, countAiSystems, listAiSystems, type AiSystemKind } from '../../data/ai-systems.js';
import { upsertAiSystem } from '../../data/catalog-changes.js';
import { countIncidentsOfAiSystems, incidentsOfAiSystems } from '../../data/incidents.js';
import { builder } from '../builder.js';
import { ImportSourceEnum } from './import-source.js';
import { parseId } from '../errors.js';
import { batchLoader } from '../loaders.js';
import { connectionFromRows, keysetConnection, nestedPageRequest } from '../pagination.js';
import { ActorRef, AiSystemRef, IncidentRef } from '../refs.js';
import { WRITE_ERRORS } from './errors.js';

const AiSystemKindEnum = builder.enumType('AiSystemKind', {
  description: 'A product, a model, or one version of a model.',
  values: Object.fromEntries(AI_SYSTEM_KINDS.map((value) => [value.toUpperCase(), { value, description: `A ${value.replace('_', ' ')}.` }])) as Record<
    Uppercase<AiSystemKind>,
    { value: AiSystemKind; description: string }
  >,
});

const AI_SYSTEM_INCIDENTS = { name: 'ai-system-incidents', keyType: 'date' } as const;

const AiSystemIncidentsConnection = builder.connectionObject({
  type: IncidentRef,
  name: 'AiSystemIncidentsConnection',
  description: 'Incidents an AI system was involved in, most recent first.',
});

AiSystemRef.implement({
  description: 'An AI product or model version, such as Claude, Claude Opus 4.6 or ChatGPT.',
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Stable, readable key.' }),
    name: t.exposeString('name', { description: 'Name.' }),
    kind: t.field({ type: AiSystemKindEnum, description: 'Product, model or model version.', resolve: (row) => row.kind }),
    description: t.exposeString('description', { description: 'What it is.' }),
    developer: t.field({
      type: ActorRef,
      nullable: true,
      description: 'Who makes it; null when the sources do not say (a target MITRE ATLAS names without its maker).',
      resolve: (row) => row.developer_id,
    }),
    importedFrom: t.field({
      type: ImportSourceEnum,
      nullable: true,
      description: 'The outside dataset an importer created it from; null when an editor recorded it.',
      resolve: (row) => row.imported_from,
    }),
    parent: t.field({
      type: AiSystemRef,
      nullable: true,
      description: 'The product family a model version belongs to.',
      resolve: (row) => row.parent_id,
    }),
    incidents: t.loadable({
      type: AiSystemIncidentsConnection,
      description:
        'Incidents it was involved in, in any role. Its versions\' incidents count too (Claude lists incidents on Claude Opus 4.6), as in the `incidents` filter, unless `exact`.',
      byPath: true,
      args: {
        ...t.arg.connectionArgs(),
        exact: t.arg.boolean({ defaultValue: false, description: 'This system\'s own incidents only, not its versions\'.' }),
      },
      load: async (ids: string[], context, args) => {
        const exact = args.exact ?? false;
        const rows = await incidentsOfAiSystems(context.sql, ids, nestedPageRequest(AI_SYSTEM_INCIDENTS, args), exact);
        const counts = batchLoader(context, `ai-system-incident-counts${exact ? '-exact' : ''}`, (keys: readonly string[]) =>
          countIncidentsOfAiSystems(context.sql, keys, exact),
        );
        return Promise.all(ids.map((id, i) => connectionFromRows(AI_SYSTEM_INCIDENTS, args, rows[i] ?? [], () => counts.load(id))));
      },
      resolve: (row) => row.id,
    }),
  }),
});

builder.queryFields((t) => ({
  aiSystems: t.connection({
    type: AiSystemRef,
    description: 'AI systems in slug order.',
    args: { developer: t.arg.id({ description: 'Only systems made by this actor.' }) },
    resolve: (_root, args, context) => {
      const filter = { developerId: args.developer ? parseId(args.developer, 'Actor', 'developer') : undefined };
      return keysetConnection(
        { name: 'ai-systems', keyType: 'text' },
        args,
        (page) => listAiSystems(context.sql, filter, page),
        () => countAiSystems(context.sql, filter),
      );
    },
  }),
  aiSystem: t.field({
    type: AiSystemRef,
    nullable: true,
    description: 'The AI system with this slug.',
    args: { slug: t.arg.string({ required: true, description: 'The system\'s slug.' }) },
    resolve: (_root, args, context) => aiSystemBySlug(context.sql, args.slug),
  }),
}));

const UpsertAiSystemInput = builder.inputType('UpsertAiSystemInput', {
  description: 'An AI system to create, or to update when its slug exists.',
  fields: (t) => ({
    slug: t.string({ description: 'Readable key; derived from the name when absent.' }),
    name: t.string({ required: true, description: 'Name (1-200 characters).' }),
    kind: t.field({ type: AiSystemKindEnum, required: true, description: 'Product, model or model version.' }),
    developer: t.id({ required: true, description: 'Who makes it.' }),
    parent: t.id({ description: 'The product family of a model version.' }),
    description: t.string({ description: 'What it is.' }),
  }),
});

builder.mutationField('upsertAiSystem', (t) =>
  t.field({
    type: AiSystemRef,
    description: 'Creates an AI system, or updates the one with the same slug. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: { input: t.arg({ type: UpsertAiSystemInput, required: true, description: 'The system.' }) },
    resolve: (_root, { input }, context) =>
      upsertAiSystem(context.sql, {
        slug: input.slug,
        name: input.name,
        kind: input.kind,
        description: input.description,
        developerId: parseId(input.developer, 'Actor', 'developer'),
        parentId: input.parent ? parseId(input.parent, 'AiSystem', 'parent') : null,
      }),
  }),
);
