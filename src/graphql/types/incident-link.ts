import { LINK_RELATIONS, SYMMETRIC_RELATIONS, linkIncident, unlinkIncident, type IncidentLinkRow, type LinkRelation } from '../../data/incident-links.js';
import { builder } from '../builder.js';
import { parseId } from '../errors.js';
import { ActionRef, CitationRef, IncidentLinkRef, IncidentRef } from '../refs.js';
import { CitationInputType, SOURCES_DESCRIPTION, citationsFor, parseCitations } from './citation.js';
import { WRITE_ERRORS } from './errors.js';

const RELATION_DESCRIPTIONS: Record<LinkRelation, string> = {
  same_pattern_as: 'The two incidents are part of the same pattern (symmetric).',
  follows_pattern_of: 'The incident follows the pattern set by the related, earlier one (directed).',
  same_campaign_as: 'The two incidents belong to the same campaign (symmetric).',
  discussed_alongside: 'The source sets the incident beside an action (a demand, a dispute) without either citing the other.',
};

export const LinkRelationEnum = builder.enumType('LinkRelation', {
  description: 'How a source links an incident to another incident or to an action.',
  values: Object.fromEntries(LINK_RELATIONS.map((value) => [value.toUpperCase(), { value, description: RELATION_DESCRIPTIONS[value] }])) as Record<
    Uppercase<LinkRelation>,
    { value: LinkRelation; description: string }
  >,
});

const LinkEndUnion = builder.unionType('IncidentLinkEnd', {
  description: 'What an incident is linked to: another incident or an action.',
  types: [IncidentRef, ActionRef],
  resolveType: (row) => ('severity' in row ? IncidentRef : ActionRef),
});

/** A link as loaded for one of its incidents: `parent_id` is the incident it was reached from. */
type LinkSeen = IncidentLinkRow & { parent_id?: string };

IncidentLinkRef.implement({
  description:
    'A link a source draws from an incident to another incident ("part of the same pattern") or to an action ("set beside the dispute"). It is the source\'s claim, never Faultline\'s: `sources` says who makes it.',
  fields: (t) => ({
    relation: t.field({ type: LinkRelationEnum, description: 'How they are linked.', resolve: (row) => row.relation }),
    symmetric: t.boolean({
      description: 'True when the relation reads the same both ways (then `incident` and `relatedIncident` are in id order only).',
      resolve: (row) => SYMMETRIC_RELATIONS.has(row.relation),
    }),
    incident: t.field({ type: IncidentRef, description: 'The incident the link is drawn from.', resolve: (row) => row.incident_id }),
    relatedIncident: t.field({
      type: IncidentRef,
      nullable: true,
      description: 'The incident it is linked to; null for a link to an action.',
      resolve: (row) => row.related_incident_id,
    }),
    relatedAction: t.field({
      type: ActionRef,
      nullable: true,
      description: 'The action it is set beside; null for a link between incidents.',
      resolve: (row) => row.related_action_id,
    }),
    other: t.field({
      type: LinkEndUnion,
      nullable: true,
      description: 'The other end, seen from the incident this link was listed under (`Incident.links`); otherwise the related one.',
      resolve: (row: LinkSeen, _args, context) => {
        if (row.related_action_id) return ActionRef.getDataloader(context).load(row.related_action_id);
        const other = row.parent_id === row.related_incident_id ? row.incident_id : row.related_incident_id;
        return other ? IncidentRef.getDataloader(context).load(other) : null;
      },
    }),
    summary: t.exposeString('summary', { description: 'What the source says, in Faultline\'s words; may be empty.' }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was recorded.', resolve: (row) => row.created_at }),
    sources: t.field({
      type: [CitationRef],
      description: `Who draws the link. ${SOURCES_DESCRIPTION}`,
      resolve: (row, _args, context) => citationsFor(context, 'link', row.id),
    }),
  }),
});

const LinkIncidentInput = builder.inputType('LinkIncidentInput', {
  description: 'A link a source draws from an incident to another incident or an action.',
  fields: (t) => ({
    incident: t.id({ required: true, description: 'The incident.' }),
    relation: t.field({ type: LinkRelationEnum, required: true, description: 'How they are linked.' }),
    relatedIncident: t.id({ description: 'The other incident (every relation but DISCUSSED_ALONGSIDE).' }),
    relatedAction: t.id({ description: 'The action (DISCUSSED_ALONGSIDE).' }),
    summary: t.string({ description: 'What the source says, in your own words (up to 2000 characters).' }),
    sources: t.field({ type: [CitationInputType], required: true, description: 'Who draws the link: at least one report.' }),
  }),
});

builder.mutationFields((t) => ({
  linkIncident: t.field({
    type: IncidentLinkRef,
    description:
      'Records that a source links an incident to another incident or an action; linking again adds the new sources to the link. A change of the incident (history, version, incidentChanged). Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: { input: t.arg({ type: LinkIncidentInput, required: true, description: 'The link.' }) },
    resolve: (_root, { input }, context) =>
      linkIncident(
        context.sql,
        {
          incidentId: parseId(input.incident, 'Incident', 'incident'),
          relation: input.relation,
          relatedIncidentId: input.relatedIncident ? parseId(input.relatedIncident, 'Incident', 'relatedIncident') : null,
          relatedActionId: input.relatedAction ? parseId(input.relatedAction, 'Action', 'relatedAction') : null,
          summary: input.summary,
          sources: parseCitations(input.sources, 'sources'),
        },
        { keyId: context.viewer.keyId },
      ),
  }),
  unlinkIncident: t.field({
    type: IncidentRef,
    description: 'Removes a link and its citations; returns the incident it was drawn from. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: { id: t.arg.id({ required: true, description: 'The link.' }) },
    resolve: async (_root, args, context) =>
      (await unlinkIncident(context.sql, parseId(args.id, 'IncidentLink', 'id'), { keyId: context.viewer.keyId })).incidentId,
  }),
}));
