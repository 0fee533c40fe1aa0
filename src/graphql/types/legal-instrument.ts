import { upsertLegalInstrument } from '../../data/catalog-changes.js';
import { legalInstrumentBySlug, listLegalInstruments } from '../../data/legal-instruments.js';
import { builder } from '../builder.js';
import { badInput } from '../errors.js';
import { LegalInstrumentRef } from '../refs.js';
import { ActionKindEnum, ActionOutcomeEnum, ActionsConnection, loadActionsOf } from './action.js';
import { WRITE_ERRORS } from './errors.js';

LegalInstrumentRef.implement({
  description: 'A law or order that actions invoke, such as the Defense Production Act.',
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Stable, readable key, used by `legalInstrument(slug:)`.' }),
    name: t.exposeString('name', { description: 'Name.' }),
    jurisdiction: t.exposeString('jurisdiction', { description: 'Where it applies: ISO 3166 code, e.g. "US".' }),
    description: t.exposeString('description', { description: 'What it is, in Faultline\'s words.' }),
    actions: t.loadable({
      type: ActionsConnection,
      description: 'Actions that invoke it, most recent first (retracted ones only when asked).',
      byPath: true,
      args: {
        kind: t.arg({ type: [ActionKindEnum], description: 'Only actions of these kinds.' }),
        outcome: t.arg({ type: [ActionOutcomeEnum], description: 'Only actions with these outcomes.' }),
        includeRetracted: t.arg.boolean({ defaultValue: false, description: 'Include retracted actions.' }),
        ...t.arg.connectionArgs(),
      },
      load: loadActionsOf('instrument', () => ({ kind: 'instrument' })),
      resolve: (row) => row.id,
    }),
  }),
});

builder.queryFields((t) => ({
  legalInstruments: t.field({
    type: [LegalInstrumentRef],
    description: 'Every legal instrument on record, by name (optionally of one jurisdiction).',
    args: { jurisdiction: t.arg.string({ description: 'ISO 3166 code, e.g. "US".' }) },
    resolve: (_root, args, context) => {
      const jurisdiction = args.jurisdiction?.trim().toUpperCase();
      if (jurisdiction !== undefined && !/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/.test(jurisdiction)) {
        throw badInput(`jurisdiction must be an ISO 3166 code such as "US", got "${args.jurisdiction}"`, 'jurisdiction');
      }
      return listLegalInstruments(context.sql, jurisdiction);
    },
  }),
  legalInstrument: t.field({
    type: LegalInstrumentRef,
    nullable: true,
    description: 'The legal instrument with this slug.',
    args: { slug: t.arg.string({ required: true, description: 'Its slug, e.g. "defense-production-act".' }) },
    resolve: (_root, args, context) => legalInstrumentBySlug(context.sql, args.slug),
  }),
}));

const UpsertLegalInstrumentInput = builder.inputType('UpsertLegalInstrumentInput', {
  description: 'A legal instrument to create, or to update when its slug exists.',
  fields: (t) => ({
    slug: t.string({ description: 'Readable key; derived from the name when absent.' }),
    name: t.string({ required: true, description: 'Name (1-200 characters).' }),
    jurisdiction: t.string({ required: true, description: 'ISO 3166 code, e.g. "US" or "US-CA".' }),
    description: t.string({ description: 'What it is.' }),
  }),
});

builder.mutationField('upsertLegalInstrument', (t) =>
  t.field({
    type: LegalInstrumentRef,
    description: 'Creates a legal instrument, or updates the one with the same slug. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: { input: t.arg({ type: UpsertLegalInstrumentInput, required: true, description: 'The legal instrument.' }) },
    resolve: (_root, { input }, context) => upsertLegalInstrument(context.sql, input),
  }),
);
