import { addCitation, removeCitation, type CitationTargetRef } from '../../data/citation-changes.js';
import { citationsOf, type CitationClaim, type CitationInput, type CitationRow, type CitationTarget } from '../../data/citations.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { decodeGlobalId, parseId } from '../errors.js';
import { batchLoader } from '../loaders.js';
import { ActionRef, CitationRef, IncidentLinkRef, IncidentRef, PolicyPositionRef, ReportRef } from '../refs.js';
import { WRITE_ERRORS } from './errors.js';

export const CitationClaimEnum = builder.enumType('CitationClaim', {
  description: 'Which part of a record a citation supports.',
  values: {
    RECORD: { value: 'record', description: 'The record as a whole.' },
    RECORDS_AFFECTED: { value: 'records_affected', description: 'An incident\'s count of records affected.' },
    BYTES_AFFECTED: { value: 'bytes_affected', description: 'An incident\'s amount of data taken.' },
    DATA_CATEGORIES: { value: 'data_categories', description: 'The kinds of data an incident affected.' },
  } satisfies Record<string, { value: CitationClaim; description: string }>,
});

const CitationTargetUnion = builder.unionType('CitationTarget', {
  description: 'A record a citation supports.',
  types: [IncidentRef, PolicyPositionRef, ActionRef, IncidentLinkRef],
  resolveType: (row) =>
    'severity' in row ? IncidentRef : 'stance' in row ? PolicyPositionRef : 'relation' in row ? IncidentLinkRef : ActionRef,
});

CitationRef.implement({
  description:
    'A report cited in support of a record, or of one of its claims, with the report\'s own words when they are given. Everything a record says comes from its citations.',
  fields: (t) => ({
    report: t.field({ type: ReportRef, description: 'The report.', resolve: (row) => row.report_id }),
    claim: t.field({ type: CitationClaimEnum, description: 'Which part of the record it supports.', resolve: (row) => row.claim }),
    excerpt: t.exposeString('excerpt', {
      nullable: true,
      description: 'Short verbatim words of the report, when recorded; null otherwise (the record is then in Faultline\'s words).',
    }),
    locator: t.exposeString('locator', { nullable: true, description: 'Where in the report: a section, paragraph or timestamp.' }),
    createdAt: t.field({ type: 'DateTime', description: 'When the citation was recorded.', resolve: (row) => row.created_at }),
    supports: t.field({
      type: CitationTargetUnion,
      nullable: true,
      description: 'The record it supports.',
      resolve: (row, _args, context) =>
        row.incident_id
          ? IncidentRef.getDataloader(context).load(row.incident_id)
          : row.position_id
            ? PolicyPositionRef.getDataloader(context).load(row.position_id)
            : row.action_id
              ? ActionRef.getDataloader(context).load(row.action_id)
              : IncidentLinkRef.getDataloader(context).load(row.link_id!),
    }),
  }),
});

export const SOURCES_DESCRIPTION =
  'The reports cited for it, newest publication first (then newest citation), each with the claim it supports and any verbatim excerpt.';

/** A record's citations, batched per request and record kind whichever field asks (sources, impact figures, sourceReport). */
export function citationsFor(context: GraphQLContext, target: CitationTarget, id: string): Promise<CitationRow[]> {
  return batchLoader(context, `citations:${target}`, (ids: readonly string[]) => citationsOf(context.sql, target, ids)).load(id);
}

export const CitationInputType = builder.inputType('CitationInput', {
  description: 'A report cited for a record.',
  fields: (t) => ({
    report: t.id({ required: true, description: 'The report.' }),
    claim: t.field({ type: CitationClaimEnum, description: 'Which part of the record it supports (default RECORD).' }),
    excerpt: t.string({ description: 'Short verbatim words of the report (up to 500 characters); a quote must be found in one.' }),
    locator: t.string({ description: 'Where in the report (up to 200 characters).' }),
  }),
});

type CitationInputShape = typeof CitationInputType.$inferInput;

/** Parses a list of citation inputs (`field` names it in errors). */
export function parseCitations(inputs: readonly CitationInputShape[] | null | undefined, field: string): CitationInput[] {
  return (inputs ?? []).map((input, i) => ({
    reportId: parseId(input.report, 'Report', `${field}[${i}].report`),
    claim: input.claim,
    excerpt: input.excerpt,
    locator: input.locator,
  }));
}

const TARGET_KINDS: Record<string, CitationTarget> = {
  Incident: 'incident',
  PolicyPosition: 'position',
  Action: 'action',
  IncidentLink: 'link',
};

const AddCitationInput = builder.inputType('AddCitationInput', {
  description: 'A report to cite for a record that exists.',
  fields: (t) => ({
    target: t.id({ required: true, description: 'The incident, policy position, action or incident link it supports.' }),
    report: t.id({ required: true, description: 'The report.' }),
    claim: t.field({ type: CitationClaimEnum, description: 'Which part of the record it supports (default RECORD; impact claims only on incidents).' }),
    excerpt: t.string({ description: 'Short verbatim words of the report (up to 500 characters).' }),
    locator: t.string({ description: 'Where in the report (up to 200 characters).' }),
  }),
});

const AddCitationPayload = builder.objectRef<{ citation: Awaited<ReturnType<typeof addCitation>>['citation']; created: boolean }>('AddCitationPayload').implement({
  description: 'The citation, and whether this call added it.',
  fields: (t) => ({
    citation: t.field({ type: CitationRef, description: 'The citation.', resolve: (payload) => payload.citation }),
    created: t.exposeBoolean('created', { description: 'False when the record already cited the report in exactly this way: nothing changed.' }),
  }),
});

builder.mutationFields((t) => ({
  addCitation: t.field({
    type: AddCitationPayload,
    description:
      'Cites a report for a record (or one of an incident\'s impact figures). It is a change of that record: it shows in its history, and an incident or action gets a new version and its change event. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: { input: t.arg({ type: AddCitationInput, required: true, description: 'The citation.' }) },
    resolve: (_root, { input }, context) => {
      const id = parseId(input.target, Object.keys(TARGET_KINDS), 'target');
      const target: CitationTargetRef = { kind: TARGET_KINDS[decodeGlobalId(input.target).typename]!, id };
      return addCitation(
        context.sql,
        target,
        { reportId: parseId(input.report, 'Report', 'report'), claim: input.claim, excerpt: input.excerpt, locator: input.locator },
        { keyId: context.viewer.keyId },
      );
    },
  }),
  removeCitation: t.field({
    type: CitationRef,
    description:
      'Removes a citation and returns it as it was. A position, action or link keeps at least one source, and a quote keeps the excerpt it comes from. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: { id: t.arg.id({ required: true, description: 'The citation.' }) },
    resolve: (_root, args, context) => removeCitation(context.sql, parseId(args.id, 'Citation', 'id'), { keyId: context.viewer.keyId }),
  }),
}));
