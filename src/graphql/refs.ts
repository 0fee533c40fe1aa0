// The node types' refs, declared apart from their fields so type files can point at each other without
// circular-import ordering problems (Pothos' circular-references guide). Each ref loads by id in one
// batched statement per request; the fields live in ./types/<type>.ts.
import { actionsByIds, type ActionRow } from '../data/actions.js';
import { actorsByIds, type ActorRow } from '../data/actors.js';
import { aiSystemsByIds, type AiSystemRow } from '../data/ai-systems.js';
import { citationsByIds, type CitationRow } from '../data/citations.js';
import { incidentLinksByIds, type IncidentLinkRow } from '../data/incident-links.js';
import { incidentsByIds, type IncidentRow } from '../data/incidents.js';
import { legalInstrumentsByIds, type LegalInstrumentRow } from '../data/legal-instruments.js';
import { positionsByIds, topicsByIds, type PolicyPositionRow, type PolicyTopicRow } from '../data/policy.js';
import { reportsByIds, type ReportRow } from '../data/reports.js';
import { techniquesByIds, type TechniqueRow } from '../data/techniques.js';
import { builder } from './builder.js';
import { badInput } from './errors.js';

/** Local ids are bigint serials; anything else in a global id is refused before reaching SQL. */
function numericId(id: string): string {
  if (!/^[1-9][0-9]{0,17}$/.test(id)) throw badInput(`"${id}" is not a valid local id`);
  return id;
}

/**
 * DataLoader accepts null for a key with no row, and Pothos turns it into null on nullable fields (an
 * error on non-null ones); the plugin's types only lack a way to say so.
 */
function allowMissing<T>(rows: Promise<(T | null)[]>): Promise<T[]> {
  return rows as Promise<T[]>;
}

export const IncidentRef = builder.loadableNodeRef<IncidentRow, string>('Incident', {
  id: { resolve: (row) => row.id, parse: numericId },
  load: (ids, context) => allowMissing(incidentsByIds(context.sql, ids)),
});

export const ReportRef = builder.loadableNodeRef<ReportRow, string>('Report', {
  id: { resolve: (row) => row.id, parse: numericId },
  load: (ids, context) => allowMissing(reportsByIds(context.sql, ids)),
});

export const ActorRef = builder.loadableNodeRef<ActorRow, string>('Actor', {
  id: { resolve: (row) => row.id, parse: numericId },
  load: (ids, context) => allowMissing(actorsByIds(context.sql, ids)),
});

export const AiSystemRef = builder.loadableNodeRef<AiSystemRow, string>('AiSystem', {
  id: { resolve: (row) => row.id, parse: numericId },
  load: (ids, context) => allowMissing(aiSystemsByIds(context.sql, ids)),
});

export const PolicyTopicRef = builder.loadableNodeRef<PolicyTopicRow, string>('PolicyTopic', {
  id: { resolve: (row) => row.id, parse: numericId },
  load: (ids, context) => allowMissing(topicsByIds(context.sql, ids)),
});

export const PolicyPositionRef = builder.loadableNodeRef<PolicyPositionRow, string>('PolicyPosition', {
  id: { resolve: (row) => row.id, parse: numericId },
  load: (ids, context) => allowMissing(positionsByIds(context.sql, ids)),
});

export const TechniqueRef = builder.loadableNodeRef<TechniqueRow, string>('Technique', {
  id: { resolve: (row) => row.id },
  load: (ids, context) => allowMissing(techniquesByIds(context.sql, ids)),
});

export const ActionRef = builder.loadableNodeRef<ActionRow, string>('Action', {
  id: { resolve: (row) => row.id, parse: numericId },
  load: (ids, context) => allowMissing(actionsByIds(context.sql, ids)),
});

export const LegalInstrumentRef = builder.loadableNodeRef<LegalInstrumentRow, string>('LegalInstrument', {
  id: { resolve: (row) => row.id, parse: numericId },
  load: (ids, context) => allowMissing(legalInstrumentsByIds(context.sql, ids)),
});

export const CitationRef = builder.loadableNodeRef<CitationRow, string>('Citation', {
  id: { resolve: (row) => row.id, parse: numericId },
  load: (ids, context) => allowMissing(citationsByIds(context.sql, ids)),
});

export const IncidentLinkRef = builder.loadableNodeRef<IncidentLinkRow, string>('IncidentLink', {
  id: { resolve: (row) => row.id, parse: numericId },
  load: (ids, context) => allowMissing(incidentLinksByIds(context.sql, ids)),
});
