import { ACTOR_KINDS, actorBySlug, countActors, listActors, type ActorKind } from '../../data/actors.js';
import { upsertActor } from '../../data/catalog-changes.js';
import { countIncidentsOfActors, incidentsOfActors } from '../../data/incidents.js';
import { positionsOfActors } from '../../data/policy.js';
import { builder } from '../builder.js';
import { ImportSourceEnum } from './import-source.js';
import { badInput, parseId } from '../errors.js';
import { batchLoader } from '../loaders.js';
import { connectionFromRows, keysetConnection, nestedPageRequest } from '../pagination.js';
import { ActorRef, IncidentRef, PolicyPositionRef } from '../refs.js';
import { parseSearchText } from '../search-text.js';
import { ActionActorRoleEnum, ActionKindEnum, ActionOutcomeEnum, ActionsConnection, actorRoles, loadActionsOf } from './action.js';
import { WRITE_ERRORS } from './errors.js';
import { positionScope, positionScopeArgs } from './policy-position.js';
import { IncidentActorRoleEnum } from './incident.js';

export const ActorKindEnum = builder.enumType('ActorKind', {
  description: 'What kind of actor this is.',
  values: Object.fromEntries(ACTOR_KINDS.map((value) => [value.toUpperCase(), { value, description: `A ${value.replace('_', ' ')}.` }])) as Record<
    Uppercase<ActorKind>,
    { value: ActorKind; description: string }
  >,
});

const ActorIncidentsConnection = builder.connectionObject({
  type: IncidentRef,
  name: 'ActorIncidentsConnection',
  description: 'Incidents an actor took part in, most recent first.',
});

ActorRef.implement({
  description: 'An organisation or a person: attackers, victims, developers, governments, analysts.',
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Stable, readable key, used by `actor(slug:)`.' }),
    name: t.exposeString('name', { description: 'Name.' }),
    kind: t.field({ type: ActorKindEnum, description: 'What kind of actor.', resolve: (row) => row.kind }),
    country: t.exposeString('country', { nullable: true, description: 'ISO 3166-1 alpha-2 country code; null when unknown.' }),
    aliases: t.exposeStringList('aliases', { description: 'Other names it goes by.' }),
    description: t.exposeString('description', { description: 'Who this is.' }),
    importedFrom: t.field({
      type: ImportSourceEnum,
      nullable: true,
      description: 'The outside dataset an importer created it from; null when an editor recorded it.',
      resolve: (row) => row.imported_from,
    }),
    roleTitle: t.exposeString('role_title', { nullable: true, description: 'For a person: their title, e.g. "Secretary of Defense".' }),
    affiliation: t.field({
      type: ActorRef,
      nullable: true,
      description: 'For a person: the organisation they belong to or speak for.',
      resolve: (row) => row.affiliation_id,
    }),
    incidents: t.loadable({
      type: ActorIncidentsConnection,
      description: 'Incidents this actor took part in, optionally in one role.',
      byPath: true,
      args: {
        role: t.arg({ type: IncidentActorRoleEnum, description: 'Only incidents where the actor played this role.' }),
        ...t.arg.connectionArgs(),
      },
      load: async (ids: string[], context, args) => {
        const filter = { role: args.role ?? undefined };
        const ordering = { name: `actor-incidents:${filter.role ?? 'any'}`, keyType: 'date' } as const;
        const rows = await incidentsOfActors(context.sql, ids, filter, nestedPageRequest(ordering, args));
        const counts = batchLoader(context, `actor-incident-counts:${filter.role ?? 'any'}`, (keys: readonly string[]) =>
          countIncidentsOfActors(context.sql, keys, filter),
        );
        return Promise.all(ids.map((id, i) => connectionFromRows(ordering, args, rows[i] ?? [], () => counts.load(id))));
      },
      resolve: (row) => row.id,
    }),
    positions: t.loadableList({
      type: PolicyPositionRef,
      description: 'Policy positions this actor holds (current ones unless includeSuperseded; retracted ones only with includeRetracted).',
      byPath: true,
      args: positionScopeArgs,
      load: (ids: string[], context, args) => positionsOfActors(context.sql, ids, positionScope(args)),
      resolve: (row) => row.id,
    }),
    actions: t.loadable({
      type: ActionsConnection,
      description: 'Actions this actor took part in (acted, spoke for the actor, or was addressed), most recent first.',
      byPath: true,
      args: {
        roles: t.arg({ type: [ActionActorRoleEnum], description: 'Only actions where it had one of these parts (default all).' }),
        kind: t.arg({ type: [ActionKindEnum], description: 'Only actions of these kinds.' }),
        outcome: t.arg({ type: [ActionOutcomeEnum], description: 'Only actions with these outcomes.' }),
        includeRetracted: t.arg.boolean({ defaultValue: false, description: 'Include retracted actions.' }),
        ...t.arg.connectionArgs(),
      },
      load: loadActionsOf('actor', (args) => ({ kind: 'actor', roles: actorRoles(args.roles) })),
      resolve: (row) => row.id,
    }),
  }),
});

const ActorFilterInput = builder.inputType('ActorFilter', {
  description: 'Narrows an actor list.',
  fields: (t) => ({
    kind: t.field({ type: ActorKindEnum, description: 'Only actors of this kind.' }),
    country: t.string({ description: 'ISO 3166-1 alpha-2 country code.' }),
    nameLike: t.string({ description: 'Approximate name, tolerant of typos and accents: "Antropic" finds Anthropic.' }),
  }),
});

builder.queryFields((t) => ({
  actors: t.connection({
    type: ActorRef,
    description: 'Actors in slug order.',
    args: { filter: t.arg({ type: ActorFilterInput, description: 'Conditions every actor must meet.' }) },
    resolve: (_root, args, context) => {
      const country = args.filter?.country?.trim().toUpperCase();
      if (country !== undefined && !/^[A-Z]{2}$/.test(country)) {
        throw badInput(`filter.country must be a two-letter ISO 3166-1 code such as "US", got "${args.filter?.country}"`, 'filter.country');
      }
      const filter = { kind: args.filter?.kind ?? undefined, country, nameLike: parseSearchText(args.filter?.nameLike, 'filter.nameLike') };
      return keysetConnection(
        { name: 'actors', keyType: 'text' },
        args,
        (page) => listActors(context.sql, filter, page),
        () => countActors(context.sql, filter),
      );
    },
  }),
  actor: t.field({
    type: ActorRef,
    nullable: true,
    description: 'The actor with this slug.',
    args: { slug: t.arg.string({ required: true, description: 'The actor\'s slug.' }) },
    resolve: (_root, args, context) => actorBySlug(context.sql, args.slug),
  }),
}));

const UpsertActorInput = builder.inputType('UpsertActorInput', {
  description: 'An actor to create, or to update when its slug exists.',
  fields: (t) => ({
    slug: t.string({ description: 'Readable key; derived from the name when absent.' }),
    name: t.string({ required: true, description: 'Name (1-200 characters).' }),
    kind: t.field({ type: ActorKindEnum, required: true, description: 'What kind of actor.' }),
    country: t.string({ description: 'ISO 3166-1 alpha-2 code.' }),
    aliases: t.stringList({ description: 'Other names.' }),
    description: t.string({ description: 'Who this is.' }),
    affiliation: t.id({ description: 'For a person: the organisation they belong to.' }),
    roleTitle: t.string({ description: 'For a person: their title.' }),
  }),
});

builder.mutationField('upsertActor', (t) =>
  t.field({
    type: ActorRef,
    description: 'Creates an actor, or updates the one with the same slug. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: { input: t.arg({ type: UpsertActorInput, required: true, description: 'The actor.' }) },
    resolve: (_root, { input }, context) =>
      upsertActor(context.sql, {
        ...input,
        affiliationId: input.affiliation ? parseId(input.affiliation, 'Actor', 'affiliation') : null,
      }),
  }),
);
