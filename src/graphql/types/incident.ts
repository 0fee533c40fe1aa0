import {
  AI_SYSTEM_ROLES,
  INCIDENT_ACTOR_ROLES,
  INCIDENT_ORDER_KEYS,
  INCIDENT_STATUSES,
  SEVERITIES,
  actorsOfIncidents,
  aiSystemsOfIncidents,
  countIncidents,
  incidentBySlug,
  listIncidents,
  techniqueIdsOfIncidents,
  type AiSystemRole,
  type IncidentActorRole,
  type IncidentActorRow,
  type IncidentAiSystemRow,
  type IncidentFilter,
  type IncidentKind,
  type IncidentOrderField,
  type IncidentPrefetched,
  type IncidentColumn,
  type LinkedActorColumn,
  type LinkedAiSystemColumn,
  type IncidentRow,
  type IncidentStatus,
  type Severity,
  incidentsByIds,
} from '../../data/incidents.js';
import { actionsCitingIncidents } from '../../data/actions.js';
import { VersionConflictError } from '../../data/errors.js';
import { linksOfIncidents } from '../../data/incident-links.js';
import { createIncident, mergeIncidents, updateIncident, type IncidentPatch } from '../../data/incident-changes.js';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../idempotency.js';
import { positionsCitingIncidents } from '../../data/policy.js';
import type { Delivered } from '../../events/topic.js';
import { incidentTopic, parseIncidentChangeFilter, type IncidentChange, type IncidentEvent } from '../../live/topics/incident.js';
import { countReportsOfIncidents, reportsOfIncidents } from '../../data/reports.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { badInput, parseId } from '../errors.js';
import { liveEvent, rolledUpAiSystem, subscribeTopic } from '../live.js';
import { batchLoader } from '../loaders.js';
import { parseSearchText } from '../search-text.js';
import { selectedFields } from '../selection.js';
import { connectionFromRows, keysetConnection, nestedPageRequest } from '../pagination.js';
import { ActionRef, ActorRef, AiSystemRef, CitationRef, IncidentLinkRef, IncidentRef, PolicyPositionRef, ReportRef, TechniqueRef } from '../refs.js';
import { CitationInputType, citationsFor, parseCitations } from './citation.js';
import { HistoryConnection, loadHistory } from './history.js';
import { DatePrecisionEnum, DateRangeRef, PartialDateRef } from './dates.js';
import { ActorKindEnum } from './actor.js';
import { WRITE_ERRORS } from './errors.js';
import { LiveEventInterface } from './live-event.js';
import { ImportSourceEnum } from './import-source.js';
import { regionCode } from './region.js';

function enumValues<T extends string>(values: readonly T[], describe: (value: T) => string) {
  return Object.fromEntries(values.map((value) => [value.toUpperCase(), { value, description: describe(value) }])) as Record<
    Uppercase<T>,
    { value: T; description: string }
  >;
}

export const IncidentStatusEnum = builder.enumType('IncidentStatus', {
  description: 'Where an incident stands.',
  values: enumValues<IncidentStatus>(INCIDENT_STATUSES, (v) => `The incident is ${v}.`),
});

export const IncidentKindEnum = builder.enumType('IncidentKind', {
  description: 'Whether an attack happened, or was demonstrated.',
  values: {
    INCIDENT: { value: 'incident', description: 'An attack or breach that happened to real victims.' },
    EXERCISE: {
      value: 'exercise',
      description: 'A red-team exercise or research demonstration: the attack was shown to work, on a target that agreed or on a test system.',
    },
  } satisfies Record<Uppercase<IncidentKind>, { value: IncidentKind; description: string }>,
});

export const SeverityEnum = builder.enumType('Severity', {
  description: 'How serious an incident is, from LOW to CRITICAL (ordered).',
  values: enumValues<Severity>(SEVERITIES, (v) => `Severity ${v}.`),
});

export const IncidentActorRoleEnum = builder.enumType('IncidentActorRole', {
  description: 'The part an actor played in an incident.',
  values: enumValues<IncidentActorRole>(INCIDENT_ACTOR_ROLES, (v) => `The actor was the ${v}.`),
});

export const AiSystemRoleEnum = builder.enumType('AiSystemRole', {
  description: 'The part an AI system played in an incident.',
  values: enumValues<AiSystemRole>(AI_SYSTEM_ROLES, (v) =>
    v === 'tool'
      ? 'Used, without the sources saying whether as the main tool or an aid.'
      : v === 'target'
        ? 'Attacked or tested: the system the attack or exercise was aimed at.'
        : `Used as ${v.replace('_', ' ')}.`,
  ),
});

export const OrderDirectionEnum = builder.enumType('OrderDirection', {
  description: 'Sort direction.',
  values: { ASC: { value: 'asc', description: 'Smallest or oldest first.' }, DESC: { value: 'desc', description: 'Largest or newest first.' } },
});

const IncidentOrderFieldEnum = builder.enumType('IncidentOrderField', {
  description: 'What to sort incidents by; ties break on id.',
  values: {
    OCCURRED: {
      value: 'occurred',
      description:
        'When it began. An incident whose start is unknown sorts as the oldest: last when DESC, first when ASC (its disclosure date is not used in its place; order by DISCLOSED for that).',
    },
    DISCLOSED: { value: 'disclosed', description: 'When it was disclosed; unknown sorts as the oldest.' },
    SEVERITY: { value: 'severity', description: 'Severity.' },
    UPDATED: { value: 'updated', description: 'When the record last changed (to the microsecond).' },
  },
});

const IncidentOrder = builder.inputType('IncidentOrder', {
  description: 'Sort order of an incident list.',
  fields: (t) => ({
    field: t.field({ type: IncidentOrderFieldEnum, required: true, description: 'The sort key.' }),
    direction: t.field({ type: OrderDirectionEnum, defaultValue: 'desc', description: 'DESC (default) or ASC.' }),
  }),
});

const DateBetween = builder.inputType('DateBetween', {
  description: 'An inclusive date interval; either end may be left open.',
  fields: (t) => ({
    from: t.field({ type: 'Date', description: 'Earliest date, inclusive.' }),
    to: t.field({ type: 'Date', description: 'Latest date, inclusive.' }),
  }),
});

export const IncidentFilterInput = builder.inputType('IncidentFilter', {
  description: 'Narrows an incident list; all given conditions must hold.',
  fields: (t) => ({
    status: t.field({ type: [IncidentStatusEnum], description: 'Any of these statuses.' }),
    kind: t.field({ type: [IncidentKindEnum], description: 'Any of these kinds: `kind: [INCIDENT]` leaves exercises out.' }),
    severityAtLeast: t.field({ type: SeverityEnum, description: 'This severity or worse.' }),
    country: t.string({ description: 'ISO 3166-1 alpha-2 code of an affected country, e.g. "MX".' }),
    sector: t.string({ description: 'An affected sector, e.g. "elections".' }),
    region: t.string({
      description:
        'A UN M49 region, by code ("419") or name ("Latin America and the Caribbean"): incidents affecting a country in it or in any of its sub-regions. `regions` lists them.',
    }),
    aiSystem: t.id({
      description:
        'Id of an AI system involved in any role. Its versions count too (Claude finds incidents on Claude Opus 4.6, whose `parent` it is) unless `aiSystemExact`.',
    }),
    aiSystemExact: t.boolean({ defaultValue: false, description: 'With `aiSystem`: that system only, not its versions.' }),
    actor: t.id({ description: 'Id of an actor involved (in `actorRole` when given).' }),
    actorRole: t.field({ type: IncidentActorRoleEnum, description: 'Role of `actor`, or of any actor when `actor` is absent.' }),
    actorKind: t.field({
      type: ActorKindEnum,
      description:
        'Kind of the actor in `actorRole` (or of `actor`); all given actor conditions hold for one actor. The victim\'s kind: `actorRole: VICTIM, actorKind: GOVERNMENT`.',
    }),
    technique: t.string({
      description:
        'MITRE ATLAS id, e.g. "AML.T0054". A technique includes its sub-techniques ("AML.T0016" finds incidents using AML.T0016.002) unless `techniqueExact`.',
    }),
    techniqueExact: t.boolean({ defaultValue: false, description: 'With `technique`: that ATLAS id only, not its sub-techniques.' }),
    occurredBetween: t.field({ type: DateBetween, description: 'Incidents whose date range overlaps this interval.' }),
    search: t.string({
      description:
        'Full-text search over title, summary, sectors and data categories, in English and Spanish, accents ignored. Web-search syntax: "quoted phrase", OR, -excluded.',
    }),
  }),
});

type IncidentFilterArgs = typeof IncidentFilterInput.$inferInput;

/** Validates and converts the GraphQL filter into the data layer's filter. */
export function parseIncidentFilter(input: IncidentFilterArgs | null | undefined): IncidentFilter {
  if (!input) return {};
  const country = input.country?.trim().toUpperCase();
  if (country !== undefined && !/^[A-Z]{2}$/.test(country)) {
    throw badInput(`filter.country must be a two-letter ISO 3166-1 code such as "MX", got "${input.country}"`, 'filter.country');
  }
  const technique = input.technique?.trim();
  if (technique !== undefined && !/^AML\.TA?\d{4}(\.\d{3})?$/.test(technique)) {
    throw badInput(`filter.technique must be a MITRE ATLAS id such as "AML.T0054", got "${input.technique}"`, 'filter.technique');
  }
  const from = input.occurredBetween?.from ?? undefined;
  const to = input.occurredBetween?.to ?? undefined;
  if (from && to && from > to) {
    throw badInput(`filter.occurredBetween.from (${from}) is after to (${to})`, 'filter.occurredBetween');
  }
  return {
    statuses: input.status ?? undefined,
    kinds: input.kind ?? undefined,
    severityAtLeast: input.severityAtLeast ?? undefined,
    country,
    sector: input.sector?.trim().toLowerCase() || undefined,
    aiSystemId: input.aiSystem ? parseId(input.aiSystem, 'AiSystem', 'filter.aiSystem') : undefined,
    aiSystemExact: input.aiSystemExact ?? false,
    actorId: input.actor ? parseId(input.actor, 'Actor', 'filter.actor') : undefined,
    actorRole: input.actorRole ?? undefined,
    actorKind: input.actorKind ?? undefined,
    techniqueId: technique,
    techniqueExact: input.techniqueExact ?? false,
    occurredFrom: from,
    occurredTo: to,
    search: parseSearchText(input.search, 'filter.search'),
  };
}

/** parseIncidentFilter, then the region looked up: an unknown one is refused rather than matching nothing. */
export async function incidentFilter(context: GraphQLContext, input: IncidentFilterArgs | null | undefined): Promise<IncidentFilter> {
  const filter = parseIncidentFilter(input);
  const code = await regionCode(context, input?.region, 'filter.region');
  return code ? { ...filter, regionCode: code } : filter;
}


const BYTE_UNITS = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** "150 GB" (decimal units, as the sources count them), "1.5 TB", "512 bytes". */
function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(1).replace(/\.0$/, '');
  return `${shown} ${BYTE_UNITS[unit]}`;
}

interface ImpactFigureShape {
  incidentId: string;
  claim: 'records_affected' | 'bytes_affected';
  value: number;
  approximate: boolean;
}

const ImpactFigureRef = builder.objectRef<ImpactFigureShape>('ImpactFigure').implement({
  description: 'One figure of an incident\'s impact, as the sources give it (approximate when they hedge it), with its own citations.',
  fields: (t) => ({
    value: t.field({ type: 'SafeInt', description: 'The number.', resolve: (figure) => figure.value }),
    approximate: t.exposeBoolean('approximate', { description: 'True when the sources give it as an estimate ("about 195 million").' }),
    display: t.string({
      description: 'As it reads: "about 195,000,000 records", "about 150 GB".',
      resolve: (figure) =>
        `${figure.approximate ? 'about ' : ''}${figure.claim === 'bytes_affected' ? formatBytes(figure.value) : `${figure.value.toLocaleString('en-US')} records`}`,
    }),
    sources: t.field({
      type: [CitationRef],
      description: 'The citations of this figure, newest publication first.',
      resolve: async (figure, _args, context) =>
        (await citationsFor(context, 'incident', figure.incidentId)).filter((citation) => citation.claim === figure.claim),
    }),
  }),
});

const ImpactRef = builder.objectRef<IncidentRow>('Impact').implement({
  description: 'What an incident cost its victims, as far as the sources quantify it.',
  fields: (t) => ({
    recordsAffected: t.field({
      type: 'SafeInt',
      nullable: true,
      description: 'Records exposed or stolen; null when not reported. `records` says whether it is approximate and who gives it.',
      resolve: (row) => row.records_affected,
    }),
    bytesAffected: t.field({
      type: 'SafeInt',
      nullable: true,
      description: 'Bytes exfiltrated; null when not reported. `bytes` says whether it is approximate and who gives it.',
      resolve: (row) => row.bytes_affected,
    }),
    records: t.field({
      type: ImpactFigureRef,
      nullable: true,
      description: 'Records exposed or stolen, with whether the figure is approximate and its sources; null when not reported.',
      resolve: (row) =>
        row.records_affected === null
          ? null
          : { incidentId: row.id, claim: 'records_affected' as const, value: Number(row.records_affected), approximate: row.records_affected_approximate },
    }),
    bytes: t.field({
      type: ImpactFigureRef,
      nullable: true,
      description: 'Data taken, with whether the figure is approximate and its sources; null when not reported.',
      resolve: (row) =>
        row.bytes_affected === null
          ? null
          : { incidentId: row.id, claim: 'bytes_affected' as const, value: Number(row.bytes_affected), approximate: row.bytes_affected_approximate },
    }),
    dataCategories: t.exposeStringList('data_categories', { description: 'Kinds of data affected, e.g. "taxpayer records".' }),
    sources: t.field({
      type: [CitationRef],
      description: 'The citations of the impact figures (claims RECORDS_AFFECTED, BYTES_AFFECTED, DATA_CATEGORIES), newest publication first.',
      resolve: async (row, _args, context) => (await citationsFor(context, 'incident', row.id)).filter((citation) => citation.claim !== 'record'),
    }),
  }),
});

const ASSESSOR = 'Faultline';

const IncidentAssessmentRef = builder.objectRef<IncidentRow>('IncidentAssessment').implement({
  description:
    'Faultline\'s own editorial judgements about an incident. The sources do not state them; they are kept apart so that nobody cites them as the sources\' words.',
  fields: (t) => ({
    assessedBy: t.string({ description: 'Who made these judgements: always "Faultline", never a source.', resolve: () => ASSESSOR }),
    severity: t.field({
      type: SeverityEnum,
      nullable: true,
      description: 'How serious Faultline judges it; null when nobody has assessed it.',
      resolve: (row) => row.severity,
    }),
    sectors: t.exposeStringList('sectors', { description: 'The sectors Faultline files it under.' }),
  }),
});

const IncidentActorRef = builder.objectRef<IncidentActorRow>('IncidentActor').implement({
  description: 'An actor in an incident, with the role it played.',
  fields: (t) => ({
    role: t.field({ type: IncidentActorRoleEnum, description: 'The part it played.', resolve: (row) => row.role }),
    note: t.exposeString('note', { description: 'What the sources say of its part; may be empty.' }),
    actor: t.field({ type: ActorRef, description: 'The actor.', resolve: (row) => row.actor }),
  }),
});

const IncidentAiSystemRef = builder.objectRef<IncidentAiSystemRow>('IncidentAiSystem').implement({
  description: 'An AI system in an incident: how it was used.',
  fields: (t) => ({
    role: t.field({ type: AiSystemRoleEnum, description: 'Primary tool, supplementary tool, tool (part unspecified) or safeguard.', resolve: (row) => row.role }),
    usage: t.exposeString('usage', { description: 'How the system was used.' }),
    aiSystem: t.field({ type: AiSystemRef, description: 'The system.', resolve: (row) => row.aiSystem }),
  }),
});

const INCIDENT_REPORTS = { name: 'incident-reports', keyType: 'date' } as const;

const IncidentReportsConnection = builder.connectionObject({
  type: ReportRef,
  name: 'IncidentReportsConnection',
  description: 'The reports that document an incident, newest first.',
});

IncidentRef.implement({
  description: 'An AI security incident, with the reports that document it.',
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Stable, readable key, used by `incident(slug:)`.' }),
    title: t.exposeString('title', { description: 'Headline.' }),
    summary: t.exposeString('summary', { description: 'What happened, in a few sentences.' }),
    status: t.field({ type: IncidentStatusEnum, description: 'Where it stands.', resolve: (row) => row.status }),
    kind: t.field({ type: IncidentKindEnum, description: 'A real incident, or an exercise that demonstrated the attack.', resolve: (row) => row.kind }),
    importedFrom: t.field({
      type: ImportSourceEnum,
      nullable: true,
      description: 'The outside dataset an importer created it from; null when an editor recorded it.',
      resolve: (row) => row.imported_from,
    }),
    severity: t.field({
      type: SeverityEnum,
      nullable: true,
      deprecationReason: 'Severity is Faultline\'s judgement, not the sources\': read it from `assessment`, which says so.',
      description: 'Faultline\'s assessment of how serious it is; null when not assessed. Same as `assessment.severity`.',
      resolve: (row) => row.severity,
    }),
    assessment: t.field({
      type: IncidentAssessmentRef,
      description: 'Faultline\'s own judgements (severity, sectors), apart from what the sources state.',
      resolve: (row) => row,
    }),
    occurred: t.field({
      type: DateRangeRef,
      description: 'When it happened, to the precision the sources give.',
      resolve: (row) => ({ start: row.occurred_start, end: row.occurred_end, precision: row.occurred_precision }),
    }),
    disclosed: t.field({
      type: PartialDateRef,
      description: 'When it became public.',
      resolve: (row) => ({ date: row.disclosed_on, precision: row.disclosed_precision }),
    }),
    countries: t.exposeStringList('countries', { description: 'ISO 3166-1 alpha-2 codes of the countries affected.' }),
    sectors: t.exposeStringList('sectors', {
      deprecationReason: 'Sectors are Faultline\'s classification: read them from `assessment`, which says so.',
      description: 'The sectors Faultline files it under. Same as `assessment.sectors`.',
    }),
    impact: t.field({ type: ImpactRef, description: 'Quantified impact.', resolve: (row) => row }),
    version: t.exposeInt('version', { description: 'Increases with every update; send it back as expectedVersion.' }),
    mergedInto: t.field({
      type: IncidentRef,
      nullable: true,
      description: 'The incident this duplicate was merged into; null when it is not a duplicate.',
      resolve: (row) => row.merged_into_id,
    }),
    createdAt: t.field({ type: 'DateTime', description: 'When the record was created.', resolve: (row) => row.created_at }),
    updatedAt: t.field({ type: 'DateTime', description: 'When the record last changed.', resolve: (row) => row.updated_at }),
    techniques: t.loadableList({
      type: TechniqueRef,
      description: 'MITRE ATLAS techniques used, as Faultline maps the methods the sources describe onto ATLAS.',
      load: (ids: string[], context) => techniqueIdsOfIncidents(context.sql, ids),
      resolve: (row) => row.id,
    }),
    // A page of `incidents` reads these lists in its own statement when the query selects them (the rows
    // carry them); anywhere else they are batched per request.
    actors: t.field({
      type: [IncidentActorRef],
      description: 'Actors involved, with their roles.',
      resolve: (row: IncidentRow & IncidentPrefetched, _args, context) =>
        row.linked_actors ?? batchLoader(context, 'incident-actors', (ids: readonly string[]) => actorsOfIncidents(context.sql, ids)).load(row.id),
    }),
    aiSystems: t.field({
      type: [IncidentAiSystemRef],
      description: 'AI systems involved, with their role and usage.',
      resolve: (row: IncidentRow & IncidentPrefetched, _args, context) =>
        row.linked_ai_systems ??
        batchLoader(context, 'incident-ai-systems', (ids: readonly string[]) => aiSystemsOfIncidents(context.sql, ids)).load(row.id),
    }),
    reports: t.loadable({
      type: IncidentReportsConnection,
      description: 'The sources documenting this incident, newest first.',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: async (ids: string[], context, args) => {
        const rows = await reportsOfIncidents(context.sql, ids, nestedPageRequest(INCIDENT_REPORTS, args));
        const counts = batchLoader(context, 'incident-report-counts', (keys: readonly string[]) =>
          countReportsOfIncidents(context.sql, keys),
        );
        return Promise.all(
          ids.map((id, index) => connectionFromRows(INCIDENT_REPORTS, args, rows[index] ?? [], () => counts.load(id))),
        );
      },
      resolve: (row) => row.id,
    }),
    citedBy: t.loadableList({
      type: PolicyPositionRef,
      description: 'Policy positions that cite this incident (current and past; retracted ones only when asked).',
      byPath: true,
      args: { includeRetracted: t.arg.boolean({ defaultValue: false, description: 'Include retracted positions.' }) },
      load: (ids: string[], context, args) => positionsCitingIncidents(context.sql, ids, args.includeRetracted ?? false),
      resolve: (row) => row.id,
    }),
    citedByActions: t.loadableList({
      type: ActionRef,
      description: 'Actions (demands, statements...) that cite this incident, most recent first; retracted ones left out.',
      load: (ids: string[], context) => actionsCitingIncidents(context.sql, ids),
      resolve: (row) => row.id,
    }),
    sources: t.field({
      type: [CitationRef],
      description:
        'The reports cited for the incident as a whole (claim RECORD), newest publication first (then newest citation), with any verbatim excerpt. Its impact figures have their own, under `impact`.',
      resolve: async (row, _args, context) => (await citationsFor(context, 'incident', row.id)).filter((citation) => citation.claim === 'record'),
    }),
    links: t.loadableList({
      type: IncidentLinkRef,
      description: 'What the sources link this incident to: other incidents (a pattern, a campaign) and actions it is set beside; each link cites who draws it.',
      load: (ids: string[], context) => linksOfIncidents(context.sql, ids),
      resolve: (row) => row.id,
    }),
    history: t.loadable({
      type: HistoryConnection,
      description: 'Every change to this incident, newest first: who (the key\'s name), when, which fields from what to what.',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: loadHistory('incident'),
      resolve: (row) => row.id,
    }),
  }),
});

/**
 * The columns each Incident field reads from its row; a field read by id only (the nested lists) reads none.
 * A page of `incidents` selects just the columns of the fields its query asks for. A field missing here (a
 * new one) makes the page read every column: safe by default. test/batching.test.ts checks that every field
 * gives the same answer on a page as by id.
 */
const INCIDENT_FIELD_COLUMNS = new Map<string, readonly IncidentColumn[]>(Object.entries({
  __typename: [],
  id: [],
  slug: ['slug'],
  title: ['title'],
  summary: ['summary'],
  status: ['status'],
  severity: ['severity'],
  assessment: ['severity', 'sectors'],
  occurred: ['occurred_start', 'occurred_end', 'occurred_precision'],
  disclosed: ['disclosed_on', 'disclosed_precision'],
  countries: ['countries'],
  sectors: ['sectors'],
  impact: ['records_affected', 'records_affected_approximate', 'bytes_affected', 'bytes_affected_approximate', 'data_categories'],
  version: ['version'],
  mergedInto: ['merged_into_id'],
  createdAt: ['created_at'],
  updatedAt: ['updated_at'],
  techniques: [],
  actors: [],
  aiSystems: [],
  reports: [],
  citedBy: [],
  citedByActions: [],
  sources: [],
  links: [],
  history: [],
} satisfies Record<string, readonly IncidentColumn[]>));

/** The same for the actor of a page's `actors { actor { ... } }` (Actor fields, columns of actors). */
const ACTOR_FIELD_COLUMNS = new Map<string, readonly LinkedActorColumn[]>(Object.entries({
  __typename: [], id: [], slug: ['slug'], name: ['name'], kind: ['kind'], country: ['country'], aliases: ['aliases'],
  description: ['description'], roleTitle: ['role_title'], affiliation: ['affiliation_id'], actions: [], incidents: [], positions: [],
} satisfies Record<string, readonly LinkedActorColumn[]>));

/** The same for the system of a page's `aiSystems { aiSystem { ... } }`. */
const AI_SYSTEM_FIELD_COLUMNS = new Map<string, readonly LinkedAiSystemColumn[]>(Object.entries({
  __typename: [], id: [], slug: ['slug'], name: ['name'], kind: ['kind'], description: ['description'],
  developer: ['developer_id'], parent: ['parent_id'], incidents: [],
} satisfies Record<string, readonly LinkedAiSystemColumn[]>));

/** The columns the selected fields read; undefined (every column) when one of them is not in the map. */
function columnsFor<C extends string>(map: ReadonlyMap<string, readonly C[]>, fields: ReadonlySet<string>): C[] | undefined {
  const columns = new Set<C>();
  for (const field of fields) {
    const read = map.get(field);
    if (!read) return undefined;
    for (const column of read) columns.add(column);
  }
  return [...columns];
}

builder.queryFields((t) => ({
  incidents: t.connection({
    type: IncidentRef,
    description: 'Incidents matching a filter, in the order asked (default: most recent occurrence first).',
    args: {
      filter: t.arg({ type: IncidentFilterInput, description: 'Conditions every incident must meet.' }),
      orderBy: t.arg({ type: IncidentOrder, description: 'Sort order; default OCCURRED DESC.' }),
    },
    resolve: async (_root, args, context, info) => {
      const filter = await incidentFilter(context, args.filter);
      const field: IncidentOrderField = args.orderBy?.field ?? 'occurred';
      const direction = args.orderBy?.direction ?? 'desc';
      // The nested lists the page asks for come with it, in one statement, as PostGraphile does.
      const selected = selectedFields(info, ['edges', 'node']);
      const include = {
        actors: selected.has('actors'),
        aiSystems: selected.has('aiSystems'),
        columns: columnsFor(INCIDENT_FIELD_COLUMNS, selected),
        actorColumns: columnsFor(ACTOR_FIELD_COLUMNS, selectedFields(info, ['edges', 'node', 'actors', 'actor'])),
        aiSystemColumns: columnsFor(AI_SYSTEM_FIELD_COLUMNS, selectedFields(info, ['edges', 'node', 'aiSystems', 'aiSystem'])),
      };
      return keysetConnection(
        { name: `incidents:${field}:${direction}`, keyType: INCIDENT_ORDER_KEYS[field].type },
        args,
        (page) => listIncidents(context.sql, filter, { field, direction }, page, include),
        () => countIncidents(context.sql, filter),
      );
    },
  }),
  incident: t.field({
    type: IncidentRef,
    nullable: true,
    description: 'The incident with this slug; a merged duplicate\'s slug gives the incident it was merged into.',
    args: { slug: t.arg.string({ required: true, description: 'The incident\'s slug.' }) },
    resolve: (_root, args, context) => incidentBySlug(context.sql, args.slug),
  }),
}));

// ---- Writes -------------------------------------------------------------------------------------------

const DateRangeInput = builder.inputType('DateRangeInput', {
  description: 'When something happened. Dates are stored as the first day of their period at the given precision.',
  fields: (t) => ({
    start: t.field({ type: 'Date', description: 'When it began; required unless precision is UNKNOWN.' }),
    end: t.field({ type: 'Date', description: 'When it ended, if it spanned time.' }),
    precision: t.field({ type: DatePrecisionEnum, required: true, description: 'How precisely the sources date it.' }),
  }),
});

const PartialDateInput = builder.inputType('PartialDateInput', {
  description: 'A date known to a precision.',
  fields: (t) => ({
    date: t.field({ type: 'Date', description: 'The date; required unless precision is UNKNOWN.' }),
    precision: t.field({ type: DatePrecisionEnum, required: true, description: 'How precisely it is known.' }),
  }),
});

const ImpactInput = builder.inputType('ImpactInput', {
  description: 'Quantified impact, as far as the sources give it.',
  fields: (t) => ({
    recordsAffected: t.field({ type: 'SafeInt', description: 'Records exposed or stolen.' }),
    recordsAffectedApproximate: t.boolean({ description: 'True when the sources give recordsAffected as an estimate ("about").' }),
    bytesAffected: t.field({ type: 'SafeInt', description: 'Bytes exfiltrated.' }),
    bytesAffectedApproximate: t.boolean({ description: 'True when the sources give bytesAffected as an estimate.' }),
    dataCategories: t.stringList({ description: 'Kinds of data affected.' }),
  }),
});

const IncidentActorInput = builder.inputType('IncidentActorInput', {
  description: 'An actor in an incident.',
  fields: (t) => ({
    actor: t.id({ required: true, description: 'The actor\'s id.' }),
    role: t.field({ type: IncidentActorRoleEnum, required: true, description: 'The part it played.' }),
    note: t.string({ description: 'What the sources say of its part.' }),
  }),
});

const IncidentAiSystemInput = builder.inputType('IncidentAiSystemInput', {
  description: 'An AI system in an incident.',
  fields: (t) => ({
    aiSystem: t.id({ required: true, description: 'The system\'s id.' }),
    role: t.field({ type: AiSystemRoleEnum, required: true, description: 'The part it played.' }),
    usage: t.string({ description: 'How it was used.' }),
  }),
});

const incidentInputFields = (required: boolean) =>
  builder.inputType(required ? 'CreateIncidentInput' : 'IncidentPatch', {
    description: required
      ? 'A new incident.'
      : 'Changes to an incident: only the fields given change; lists given replace the stored ones.',
    fields: (t) => ({
      title: t.string({ required, description: 'Headline (1-300 characters).' }),
      slug: t.string({ description: 'Readable key; derived from the title when absent on create.' }),
      summary: t.string({ description: 'What happened (up to 10,000 characters).' }),
      status: t.field({ type: IncidentStatusEnum, description: 'Where it stands (default REPORTED).' }),
      severity: t.field({
        type: SeverityEnum,
        description: 'Faultline\'s assessment of how serious it is; absent on create, it stays unassessed (null clears it on update).',
      }),
      occurred: t.field({ type: DateRangeInput, description: 'When it happened.' }),
      disclosed: t.field({ type: PartialDateInput, description: 'When it became public.' }),
      countries: t.stringList({ description: 'ISO 3166-1 alpha-2 codes of affected countries.' }),
      sectors: t.stringList({ description: 'The sectors Faultline files it under (an editorial classification).' }),
      impact: t.field({ type: ImpactInput, description: 'Quantified impact.' }),
      techniques: t.stringList({ description: 'MITRE ATLAS technique ids.' }),
      actors: t.field({ type: [IncidentActorInput], description: 'Actors with their roles.' }),
      aiSystems: t.field({ type: [IncidentAiSystemInput], description: 'AI systems with their role and usage.' }),
      reports: t.idList({ description: 'Reports documenting it (added to those already linked).' }),
      sources: t.field({
        type: [CitationInputType],
        description: 'Citations to add: which report supports the incident or one of its impact figures. A cited report is also linked as one of its reports.',
      }),
    }),
  });

const CreateIncidentInput = incidentInputFields(true);
const IncidentPatchInput = incidentInputFields(false);

type IncidentInputShape = typeof IncidentPatchInput.$inferInput;

function toIncidentFields(input: IncidentInputShape): IncidentPatch {
  const fields: IncidentPatch = {
    slug: input.slug,
    summary: input.summary,
    status: input.status,
    severity: input.severity,
    occurred: input.occurred ? { start: input.occurred.start, end: input.occurred.end, precision: input.occurred.precision } : undefined,
    disclosed: input.disclosed ? { date: input.disclosed.date, precision: input.disclosed.precision } : undefined,
    countries: input.countries,
    sectors: input.sectors,
    techniqueIds: input.techniques,
    actors: input.actors?.map((a, i) => ({ actorId: parseId(a.actor, 'Actor', `actors[${i}].actor`), role: a.role, note: a.note })),
    aiSystems: input.aiSystems?.map((s, i) => ({
      aiSystemId: parseId(s.aiSystem, 'AiSystem', `aiSystems[${i}].aiSystem`),
      role: s.role,
      usage: s.usage,
    })),
    reportIds: input.reports?.map((id, i) => parseId(id, 'Report', `reports[${i}]`)),
    sources: input.sources ? parseCitations(input.sources, 'sources') : undefined,
  };
  if (input.title != null) fields.title = input.title;
  if (input.impact) {
    if (input.impact.recordsAffected !== undefined) fields.recordsAffected = input.impact.recordsAffected;
    if (input.impact.bytesAffected !== undefined) fields.bytesAffected = input.impact.bytesAffected;
    if (input.impact.recordsAffectedApproximate != null) fields.recordsAffectedApproximate = input.impact.recordsAffectedApproximate;
    if (input.impact.bytesAffectedApproximate != null) fields.bytesAffectedApproximate = input.impact.bytesAffectedApproximate;
    if (input.impact.dataCategories != null) fields.dataCategories = input.impact.dataCategories;
  }
  return fields;
}

builder.mutationFields((t) => ({
  createIncident: t.field({
    type: IncidentRef,
    description: 'Creates an incident. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: {
      input: t.arg({ type: CreateIncidentInput, required: true, description: 'The incident.' }),
      idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, context) =>
      idempotent(
        context,
        'createIncident',
        args,
        (incident) => incident.id,
        async (id) => (await incidentsByIds(context.sql, [id]))[0]!,
        () => createIncident(context.sql, { ...toIncidentFields(args.input), title: args.input.title ?? '' }, { keyId: context.viewer.keyId }),
      ),
  }),
  updateIncident: t.field({
    type: IncidentRef,
    description: 'Changes an incident if it is still at expectedVersion; otherwise returns VersionConflict. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: [...WRITE_ERRORS, VersionConflictError] },
    args: {
      id: t.arg.id({ required: true, description: 'The incident\'s id.' }),
      expectedVersion: t.arg.int({ required: true, description: 'The version you read (Incident.version).' }),
      patch: t.arg({ type: IncidentPatchInput, required: true, description: 'The changes.' }),
    },
    resolve: (_root, args, context) =>
      updateIncident(context.sql, parseId(args.id, 'Incident', 'id'), args.expectedVersion, toIncidentFields(args.patch), {
        keyId: context.viewer.keyId,
      }),
  }),
  mergeIncidents: t.field({
    type: IncidentRef,
    description:
      'Merges a duplicate into another incident: its reports, actors, AI systems, techniques and citing positions move to the target, and the source\'s id and slug resolve to the target from then on. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: {
      sourceId: t.arg.id({ required: true, description: 'The duplicate.' }),
      targetId: t.arg.id({ required: true, description: 'The incident it duplicates.' }),
    },
    resolve: (_root, args, context) =>
      mergeIncidents(context.sql, parseId(args.sourceId, 'Incident', 'sourceId'), parseId(args.targetId, 'Incident', 'targetId'), {
        keyId: context.viewer.keyId,
      }),
  }),
}));

// ---- Live ---------------------------------------------------------------------------------------------

const IncidentChangeEnum = builder.enumType('IncidentChange', {
  description: 'What happened to an incident.',
  values: {
    CREATED: { value: 'created', description: 'It was recorded.' },
    UPDATED: { value: 'updated', description: 'Its fields or links changed.' },
    MERGED: { value: 'merged', description: 'A duplicate was merged into it.' },
    MERGED_AWAY: {
      value: 'merged_away',
      description:
        'It was a duplicate and was merged into another incident (`incident.mergedInto`; `incidentNow` resolves to that one): drop it. Said once, to every subscriber whose filter it matched before the merge, and never also as LEFT_FILTER.',
    },
    LEFT_FILTER: {
      value: 'left_filter',
      description: 'It was updated or merged and no longer matches the subscription\'s filter, which it matched before: drop it. Said once.',
    },
  } as const satisfies Record<string, { value: IncidentChange; description: string }>,
});

const IncidentChangedEventRef = builder.objectRef<Delivered<IncidentChange, IncidentRow, IncidentEvent>>('IncidentChangedEvent').implement({
  description: 'An incident was created, updated, had a duplicate merged into it, was merged into another, or left the subscription\'s filter.',
  interfaces: [LiveEventInterface],
  fields: (t) => ({
    change: t.field({ type: IncidentChangeEnum, description: 'What happened.', resolve: (event) => event.change }),
    incident: t.field({
      type: IncidentRef,
      description:
        'The incident as this change left it (its own fields: severity, title, version...; what it links to, as it is now). Events written before Faultline kept snapshots show it as it is now.',
      resolve: (event) => event.payload ?? event.event.entity_id,
    }),
    incidentNow: t.field({
      type: IncidentRef,
      nullable: true,
      description: 'The incident as it is now (the one it was merged into, if it was).',
      resolve: (event) => event.event.entity_id,
    }),
  }),
});

const IncidentChangedFilter = builder.inputType('IncidentChangedFilter', {
  description: 'Which incident changes to receive; all given conditions must hold.',
  fields: (t) => ({
    severityAtLeast: t.field({ type: SeverityEnum, description: 'This severity or worse.' }),
    country: t.string({ description: 'An affected country (ISO 3166-1 alpha-2).' }),
    aiSystem: t.id({ description: 'An AI system involved. Its versions count too (Claude takes incidents on Claude Opus 4.6), as they are when you subscribe, unless `aiSystemExact`.' }),
    aiSystemExact: t.boolean({ defaultValue: false, description: 'With `aiSystem`: that system only, not its versions.' }),
    technique: t.string({
      description: 'A MITRE ATLAS technique used, e.g. "AML.T0016"; its sub-techniques count too (AML.T0016.002) unless `techniqueExact`.',
    }),
    techniqueExact: t.boolean({ defaultValue: false, description: 'With `technique`: that ATLAS id only, not its sub-techniques.' }),
    actor: t.id({ description: 'An actor involved.' }),
    changes: t.field({
      type: [IncidentChangeEnum],
      description: 'Only these kinds of change (default all). LEFT_FILTER comes only when listed here or when this is left out.',
    }),
  }),
});

builder.subscriptionFields((t) => ({
  incidentChanged: t.field({
    type: IncidentChangedEventRef,
    description:
      'Every incident creation, update and merge as it commits (the duplicate once as MERGED_AWAY), and once LEFT_FILTER when a change takes an incident out of the filter. With `after`, first replays what happened after that cursor, then continues live with no gap.',
    args: {
      filter: t.arg({ type: IncidentChangedFilter, description: 'Which changes to receive.' }),
      after: t.arg.string({ description: 'Resume after this event cursor.' }),
    },
    subscribe: (_root, args, context) =>
      subscribeTopic(
        context,
        incidentTopic,
        async () => {
          const filter = parseIncidentFilter({
            severityAtLeast: args.filter?.severityAtLeast,
            country: args.filter?.country,
            actor: args.filter?.actor,
            technique: args.filter?.technique,
          });
          return parseIncidentChangeFilter({
            ...filter,
            aiSystem: await rolledUpAiSystem(context, args.filter?.aiSystem, args.filter?.aiSystemExact),
            techniqueExact: args.filter?.techniqueExact ?? false,
            changes: args.filter?.changes ?? undefined,
          });
        },
        args.after,
      ),
    resolve: liveEvent,
  }),
}));
