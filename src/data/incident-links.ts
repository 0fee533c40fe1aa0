// Links from an incident to another incident ("part of the same pattern as") or to an action ("discussed
// alongside"). A link is a claim: it carries the citations of whoever draws it.
import type { Sql, Queryable } from '../db/index.js';
import { checkCitations, insertCitations, type CitationInput } from './citations.js';
import { NotFoundError, ValidationError } from './errors.js';
import { reviseIncident, type Author } from './incident-changes.js';
import { byIds, groupByParent } from './pagination.js';
import { writeTransaction } from './transactions.js';
import * as check from './validate.js';

export const LINK_RELATIONS = ['same_pattern_as', 'follows_pattern_of', 'same_campaign_as', 'discussed_alongside'] as const;
export type LinkRelation = (typeof LINK_RELATIONS)[number];

/** Relations that read the same both ways; stored once, smaller incident id first. */
export const SYMMETRIC_RELATIONS: ReadonlySet<LinkRelation> = new Set(['same_pattern_as', 'same_campaign_as']);

/** An `incident_links` row. */
export interface IncidentLinkRow {
  id: string;
  incident_id: string;
  related_incident_id: string | null;
  related_action_id: string | null;
  relation: LinkRelation;
  summary: string;
  created_at: Date;
}

const columns = (sql: Queryable) => sql`
  k.id, k.incident_id, k.related_incident_id, k.related_action_id, k.relation, k.summary, k.created_at
`;

/** Links by id, in the order asked. */
export async function incidentLinksByIds(sql: Queryable, ids: readonly string[]): Promise<(IncidentLinkRow | null)[]> {
  return byIds(ids, await sql<IncidentLinkRow[]>`select ${columns(sql)} from incident_links k where k.id = any(${ids})`);
}

/** The links touching each incident, at either end, oldest first, grouped per incident id. */
export async function linksOfIncidents(sql: Queryable, incidentIds: readonly string[]): Promise<IncidentLinkRow[][]> {
  const rows = await sql<(IncidentLinkRow & { parent_id: string })[]>`
    select ${columns(sql)}, e.parent_id
    from incident_links k
    cross join lateral (values (k.incident_id), (k.related_incident_id)) e (parent_id)
    where e.parent_id = any(${incidentIds})
      and (k.incident_id = any(${incidentIds}) or k.related_incident_id = any(${incidentIds}))
    order by e.parent_id, k.id
  `;
  return groupByParent(incidentIds, rows);
}

/** The links from incidents to each action, oldest first, grouped per action id. */
export async function linksOfActions(sql: Queryable, actionIds: readonly string[]): Promise<IncidentLinkRow[][]> {
  const rows = await sql<(IncidentLinkRow & { parent_id: string })[]>`
    select ${columns(sql)}, k.related_action_id as parent_id
    from incident_links k where k.related_action_id = any(${actionIds})
    order by k.related_action_id, k.id
  `;
  return groupByParent(actionIds, rows);
}

export interface LinkInput {
  incidentId: string;
  relatedIncidentId?: string | null | undefined;
  relatedActionId?: string | null | undefined;
  relation: LinkRelation;
  summary?: string | null | undefined;
  /** Who draws the link: at least one citation. */
  sources: CitationInput[];
}

/**
 * Records that a source links an incident to another incident or an action. Linking what is already
 * linked adds the new citations to the existing link. The incident's version and history record the
 * change, with an incident_updated event.
 */
export async function linkIncident(sql: Sql, input: LinkInput, author: Author): Promise<IncidentLinkRow> {
  const toAction = input.relation === 'discussed_alongside';
  const related = toAction ? input.relatedActionId : input.relatedIncidentId;
  if (!related) {
    const field = toAction ? 'relatedAction' : 'relatedIncident';
    throw new ValidationError(field, 'required', `${field}: ${input.relation.toUpperCase()} links ${toAction ? 'an incident to an action' : 'two incidents'}; give ${field}`);
  }
  if ((toAction ? input.relatedIncidentId : input.relatedActionId) != null) {
    const field = toAction ? 'relatedIncident' : 'relatedAction';
    throw new ValidationError(field, 'one-target', `${field}: ${input.relation.toUpperCase()} does not take ${field}`);
  }
  if (!toAction && related === input.incidentId) throw new ValidationError('relatedIncident', 'not-self', 'an incident cannot be linked to itself');
  const summary = check.text('summary', input.summary ?? '', { min: 0, max: 2000 });
  const sources = checkCitations('sources', input.sources, 'link');
  if (sources.length === 0) throw new ValidationError('sources', 'required', 'sources: a link cites the report that draws it');
  let [from, to] = [input.incidentId, toAction ? null : related];
  if (to !== null && SYMMETRIC_RELATIONS.has(input.relation) && BigInt(to) < BigInt(from)) [from, to] = [to, from];

  return writeTransaction(sql, async (tx) => {
    const [target] = toAction
      ? await tx`select 1 from actions where id = ${related}`
      : await tx`select 1 from incidents where id = ${related} and merged_into_id is null`;
    if (!target) {
      const field = toAction ? 'relatedAction' : 'relatedIncident';
      throw new NotFoundError(field, `${field}: no ${toAction ? 'action' : 'live incident'} has id ${related}`);
    }
    let linkId = '';
    await reviseIncident(tx, from, 'incident', author, async () => {
      const inserted = await tx<{ id: string }[]>`
        insert into incident_links (incident_id, related_incident_id, related_action_id, relation, summary)
        values (${from}, ${to}, ${toAction ? related : null}, ${input.relation}, ${summary})
        on conflict (incident_id, related_incident_id, related_action_id, relation) do nothing
        returning id
      `;
      if (inserted[0]) linkId = inserted[0].id;
      else {
        const [existing] = await tx<{ id: string }[]>`
          select id from incident_links
          where incident_id = ${from} and related_incident_id is not distinct from ${to}
            and related_action_id is not distinct from ${toAction ? related : null} and relation = ${input.relation}
        `;
        linkId = existing!.id;
      }
      const added = await insertCitations(tx, 'sources', 'link', linkId, sources);
      return inserted.length > 0 || added > 0;
    });
    return (await incidentLinksByIds(tx, [linkId]))[0]!;
  });
}

/** Removes a link and its citations; the incident it hangs from records the change. */
export async function unlinkIncident(sql: Sql, linkId: string, author: Author): Promise<{ incidentId: string }> {
  return writeTransaction(sql, async (tx) => {
    const [link] = await tx<{ incident_id: string }[]>`select incident_id from incident_links where id = ${linkId}`;
    if (!link) throw new NotFoundError('id', `no incident link has id ${linkId}`);
    await reviseIncident(tx, link.incident_id, 'id', author, async () => {
      await tx`delete from incident_links where id = ${linkId}`;
      return true;
    });
    return { incidentId: link.incident_id };
  });
}

/** True when the link exists; used to check a citation's target. */
export async function linkExists(tx: Queryable, linkId: string): Promise<{ incident_id: string } | null> {
  const [row] = await tx<{ incident_id: string }[]>`select incident_id from incident_links where id = ${linkId}`;
  return row ?? null;
}
