import { incidentFacets, incidentStats, type FacetBucket, type IncidentStatsRow } from '../../data/incident-facets.js';
import type { IncidentActorRole, IncidentStatus, Severity } from '../../data/incidents.js';
import { builder } from '../builder.js';
import { badInput } from '../errors.js';
import { ActorRef, AiSystemRef, TechniqueRef } from '../refs.js';
import { PartialDateRef } from './dates.js';
import type { ActorKind } from '../../data/actors.js';
import { ActorKindEnum } from './actor.js';
import { IncidentActorRoleEnum, IncidentFilterInput, IncidentStatusEnum, SeverityEnum, incidentFilter } from './incident.js';
import { RegionRef, loadRegion } from './region.js';

const DEFAULT_TOP = 20;
const MAX_TOP = 200;

const SeverityCountRef = builder.objectRef<FacetBucket>('SeverityCount').implement({
  description: 'How many matching incidents have one severity.',
  fields: (t) => ({
    severity: t.field({ type: SeverityEnum, description: 'The severity.', resolve: (b) => b.value as Severity }),
    count: t.exposeInt('count', { description: 'Matching incidents with it.' }),
  }),
});

const StatusCountRef = builder.objectRef<FacetBucket>('StatusCount').implement({
  description: 'How many matching incidents have one status.',
  fields: (t) => ({
    status: t.field({ type: IncidentStatusEnum, description: 'The status.', resolve: (b) => b.value as IncidentStatus }),
    count: t.exposeInt('count', { description: 'Matching incidents with it.' }),
  }),
});

const ValueCountRef = builder.objectRef<FacetBucket>('ValueCount').implement({
  description: 'How many matching incidents have one value (a country code, a sector, a "YYYY-MM" month).',
  fields: (t) => ({
    value: t.exposeString('value', { description: 'The value.' }),
    count: t.exposeInt('count', { description: 'Matching incidents with it.' }),
  }),
});

const AiSystemCountRef = builder.objectRef<FacetBucket>('AiSystemCount').implement({
  description: 'How many matching incidents involve one AI system (in any role).',
  fields: (t) => ({
    aiSystem: t.field({ type: AiSystemRef, description: 'The AI system.', resolve: (b) => b.value }),
    count: t.exposeInt('count', { description: 'Matching incidents involving it.' }),
  }),
});

const ActorCountRef = builder.objectRef<FacetBucket>('ActorCount').implement({
  description: 'How many matching incidents involve one actor in one role.',
  fields: (t) => ({
    actor: t.field({ type: ActorRef, description: 'The actor.', resolve: (b) => b.value }),
    role: t.field({ type: IncidentActorRoleEnum, description: 'The role it played.', resolve: (b) => b.role as IncidentActorRole }),
    count: t.exposeInt('count', { description: 'Matching incidents where it played that role.' }),
  }),
});

const RegionCountRef = builder.objectRef<FacetBucket>('RegionCount').implement({
  description: 'How many matching incidents affect a country in one UN M49 region (at any depth).',
  fields: (t) => ({
    region: t.field({
      type: RegionRef,
      description: 'The region.',
      resolve: async (b, _args, context) => (await loadRegion(context, b.value))!,
    }),
    count: t.exposeInt('count', { description: 'Matching incidents in it.' }),
  }),
});

const ActorKindCountRef = builder.objectRef<FacetBucket>('ActorKindCount').implement({
  description: 'How many matching incidents have an actor of one kind in one role (a government victim, a criminal attacker).',
  fields: (t) => ({
    kind: t.field({ type: ActorKindEnum, description: 'The kind of actor.', resolve: (b) => b.value as ActorKind }),
    role: t.field({ type: IncidentActorRoleEnum, description: 'The role it played.', resolve: (b) => b.role as IncidentActorRole }),
    count: t.exposeInt('count', { description: 'Matching incidents with such an actor in that role.' }),
  }),
});

const TechniqueCountRef = builder.objectRef<FacetBucket>('TechniqueCount').implement({
  description: 'How many matching incidents used one MITRE ATLAS technique.',
  fields: (t) => ({
    technique: t.field({ type: TechniqueRef, description: 'The technique.', resolve: (b) => b.value }),
    count: t.exposeInt('count', { description: 'Matching incidents using it.' }),
  }),
});

const of = (buckets: FacetBucket[], facet: FacetBucket['facet']) => buckets.filter((b) => b.facet === facet);

const IncidentFacetsRef = builder.objectRef<FacetBucket[]>('IncidentFacets').implement({
  description:
    'Counts of the incidents matching a filter, by facet. Each count equals the totalCount of `incidents` with the same filter narrowed to that value (for severity, to exactly that severity).',
  fields: (t) => ({
    severity: t.field({ type: [SeverityCountRef], description: 'By severity, largest first.', resolve: (b) => of(b, 'severity') }),
    status: t.field({ type: [StatusCountRef], description: 'By status, largest first.', resolve: (b) => of(b, 'status') }),
    country: t.field({ type: [ValueCountRef], description: 'By affected country (ISO 3166-1 alpha-2), largest first.', resolve: (b) => of(b, 'country') }),
    region: t.field({
      type: [RegionCountRef],
      description: 'By UN M49 region, sub-region and intermediate region of the affected countries, largest first; always complete.',
      resolve: (b) => of(b, 'region'),
    }),
    sector: t.field({ type: [ValueCountRef], description: 'By affected sector, largest first.', resolve: (b) => of(b, 'sector') }),
    aiSystem: t.field({
      type: [AiSystemCountRef],
      description: 'By AI system involved, largest first; a system counts the incidents of its versions too, as the `aiSystem` filter does.',
      resolve: (b) => of(b, 'ai_system'),
    }),
    actor: t.field({ type: [ActorCountRef], description: 'By actor and role, largest first.', resolve: (b) => of(b, 'actor') }),
    actorKind: t.field({
      type: [ActorKindCountRef],
      description: 'By kind of actor and role (the `actorKind` and `actorRole` filters together), largest first; always complete.',
      resolve: (b) => of(b, 'actor_kind'),
    }),
    technique: t.field({
      type: [TechniqueCountRef],
      description: 'By MITRE ATLAS technique, largest first; a technique counts the incidents of its sub-techniques too, as the `technique` filter does.',
      resolve: (b) => of(b, 'technique'),
    }),
    month: t.field({
      type: [ValueCountRef],
      description: 'By month the incident began ("YYYY-MM"), oldest first; incidents dated only to the year or not at all are left out.',
      resolve: (b) => of(b, 'month'),
    }),
  }),
});

const IncidentStatsRef = builder.objectRef<IncidentStatsRow>('IncidentStats').implement({
  description: 'Totals over the incidents matching a filter.',
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'How many incidents match.' }),
    recordsAffected: t.field({
      type: 'SafeInt',
      nullable: true,
      description: 'Records affected, summed over the incidents that report a figure; null when none does.',
      resolve: (row) => row.records_affected,
    }),
    bytesAffected: t.field({
      type: 'SafeInt',
      nullable: true,
      description: 'Bytes affected, summed over the incidents that report a figure; null when none does.',
      resolve: (row) => row.bytes_affected,
    }),
    firstOccurred: t.field({
      type: PartialDateRef,
      nullable: true,
      description: 'The earliest start of occurrence, to its precision; null when no matching incident is dated.',
      resolve: (row) => (row.first_date && row.first_precision ? { date: row.first_date, precision: row.first_precision } : null),
    }),
    lastOccurred: t.field({
      type: PartialDateRef,
      nullable: true,
      description: 'The latest date of occurrence (the end of a range), to its precision; null when no matching incident is dated.',
      resolve: (row) => (row.last_date && row.last_precision ? { date: row.last_date, precision: row.last_precision } : null),
    }),
  }),
});

builder.queryFields((t) => ({
  incidentFacets: t.field({
    type: IncidentFacetsRef,
    description: 'Counts of the incidents matching `filter` (the same filter `incidents` takes), by facet, in one statement.',
    args: {
      filter: t.arg({ type: IncidentFilterInput, description: 'Conditions every counted incident must meet.' }),
      top: t.arg.int({
        defaultValue: DEFAULT_TOP,
        description: `Buckets per open-ended facet (country, sector, AI system, actor, technique), largest first; at most ${MAX_TOP}. Severity, status, month, region and actor kind are always complete.`,
      }),
    },
    resolve: async (_root, args, context) => {
      const top = args.top ?? DEFAULT_TOP;
      if (top < 1 || top > MAX_TOP) throw badInput(`top must be between 1 and ${MAX_TOP}, got ${top}`, 'top');
      return incidentFacets(context.sql, await incidentFilter(context, args.filter), top);
    },
  }),
  incidentStats: t.field({
    type: IncidentStatsRef,
    description: 'Totals over the incidents matching `filter`: count, records and bytes affected, first and last occurrence.',
    args: { filter: t.arg({ type: IncidentFilterInput, description: 'Conditions every counted incident must meet.' }) },
    resolve: async (_root, args, context) => incidentStats(context.sql, await incidentFilter(context, args.filter)),
  }),
}));
