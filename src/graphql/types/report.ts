import { incidentsOfReports } from '../../data/incidents.js';
import { attachReport, detachReport } from '../../data/incident-changes.js';
import { submitReport } from '../../data/report-changes.js';
import { countReports, listReports, reportByUrlKey, type ReportRow } from '../../data/reports.js';
import type { Delivered } from '../../events/topic.js';
import { parseReportFilter, reportTopic, type ReportChange, type ReportEvent } from '../../live/topics/report.js';
import { normalizeReportUrl } from '../../data/urls.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { badInput, parseId } from '../errors.js';
import { liveEvent, rolledUpAiSystem, subscribeTopic } from '../live.js';
import { keysetConnection } from '../pagination.js';
import { parseSearchText } from '../search-text.js';
import { IncidentRef, ReportRef } from '../refs.js';
import { DatePrecisionEnum, PartialDateRef, displayPartialDate } from './dates.js';
import { WRITE_ERRORS } from './errors.js';
import { LiveEventInterface } from './live-event.js';

const ReportDetailEnum = builder.enumType('ReportDetail', {
  description: 'A detail of a report that the sources may leave unknown.',
  values: {
    URL: { value: 'url', description: 'Its address.' },
    TITLE: { value: 'title', description: 'Its headline.' },
    PUBLISHER: { value: 'publisher', description: 'Who published it.' },
    PUBLISHED: { value: 'published', description: 'When it was published.' },
    LANGUAGE: { value: 'language', description: 'Its language.' },
  },
});

type ReportDetail = 'url' | 'title' | 'publisher' | 'published' | 'language';

/** How the report reads in a sentence: who published it (or what it is), its headline if known, and when. */
function reportLabel(row: ReportRow): string {
  const who = (row.publisher ?? row.described_as ?? 'unknown source').replace(/\.$/, '');
  const title = row.title ? `, "${row.title}"` : '';
  const when = displayPartialDate({ date: row.published_on, precision: row.published_precision });
  return `${who}${title}, ${when === 'unknown' ? 'date unknown' : when}`;
}

ReportRef.implement({
  description:
    'One published source: an article, a disclosure, a research write-up. Its address, headline, publisher, date or language may be unknown (a report known only by its outlet and month): those fields are then null and listed in `unknownFields`, never filled in.',
  fields: (t) => ({
    url: t.exposeString('url', {
      nullable: true,
      description: 'Where it was published, as submitted less its tracking parameters (utm_*, fbclid, gclid and other click ids); null when the sources do not give the address.',
    }),
    publisher: t.exposeString('publisher', {
      nullable: true,
      description: 'The outlet or organisation that published it; null when the sources name none (see `describedAs`).',
    }),
    describedAs: t.exposeString('described_as', {
      nullable: true,
      description: 'What the source is, in plain words, when its publisher is not named (e.g. "recent reports the analysis does not name"); may also qualify a named one.',
    }),
    title: t.exposeString('title', { nullable: true, description: 'Its headline, as published; null when the sources do not give it (never one of ours).' }),
    summary: t.exposeString('summary', { description: 'What it reports, in Faultline\'s words.' }),
    language: t.exposeString('language', { nullable: true, description: 'ISO 639-1 code of its language, e.g. "en", "es"; null when not known.' }),
    unknownFields: t.field({
      type: [ReportDetailEnum],
      description: 'The details of this report the sources do not give; empty when all are known.',
      resolve: (row) => {
        const unknown: ReportDetail[] = [];
        if (!row.url) unknown.push('url');
        if (!row.title) unknown.push('title');
        if (!row.publisher) unknown.push('publisher');
        if (row.published_precision === 'unknown') unknown.push('published');
        if (!row.language) unknown.push('language');
        return unknown;
      },
    }),
    label: t.string({
      description: 'How to name it in a sentence: publisher (or description), headline when known, and date, e.g. "Bloomberg, 2026-02".',
      resolve: reportLabel,
    }),
    published: t.field({
      type: PartialDateRef,
      description: 'When it was published.',
      resolve: (row) => ({ date: row.published_on, precision: row.published_precision }),
    }),
    createdAt: t.field({ type: 'DateTime', description: 'When Faultline recorded it.', resolve: (row) => row.created_at }),
    incidents: t.loadableList({
      type: IncidentRef,
      description: 'The incidents it documents (possibly none yet).',
      load: (ids: string[], context) => incidentsOfReports(context.sql, ids),
      resolve: (row) => row.id,
    }),
  }),
});

const ReportFilterInput = builder.inputType('ReportFilter', {
  description: 'Narrows a report list.',
  fields: (t) => ({
    publisher: t.string({ description: 'Exact publisher name.' }),
    language: t.string({ description: 'ISO 639-1 language code.' }),
    incident: t.id({ description: 'Only reports documenting this incident.' }),
    search: t.string({
      description: 'Full-text search over title, summary, publisher and description (English and Spanish, accents ignored; "phrase", OR, -excluded).',
    }),
  }),
});

builder.queryFields((t) => ({
  reports: t.connection({
    type: ReportRef,
    description: 'Reports, newest publication first.',
    args: { filter: t.arg({ type: ReportFilterInput, description: 'Conditions every report must meet.' }) },
    resolve: (_root, args, context) => {
      const language = args.filter?.language?.trim().toLowerCase();
      if (language !== undefined && !/^[a-z]{2}$/.test(language)) {
        throw badInput(`filter.language must be a two-letter ISO 639-1 code such as "es", got "${args.filter?.language}"`, 'filter.language');
      }
      const filter = {
        publisher: args.filter?.publisher ?? undefined,
        language,
        incidentId: args.filter?.incident ? parseId(args.filter.incident, 'Incident', 'filter.incident') : undefined,
        search: parseSearchText(args.filter?.search, 'filter.search'),
      };
      return keysetConnection(
        { name: 'reports', keyType: 'date' },
        args,
        (page) => listReports(context.sql, filter, page),
        () => countReports(context.sql, filter),
      );
    },
  }),
  report: t.field({
    type: ReportRef,
    nullable: true,
    description:
      'The report at this URL, matched by identity: http or https, with or without "www.", case of the host, tracking parameters, fragment and trailing slash make no difference.',
    args: { url: t.arg.string({ required: true, description: 'The report\'s URL.' }) },
    resolve: (_root, args, context) => {
      let key: string;
      try {
        key = normalizeReportUrl(args.url);
      } catch (error) {
        throw badInput(`url: ${(error as Error).message}`, 'url');
      }
      return reportByUrlKey(context.sql, key);
    },
  }),
}));

// ---- Writes -------------------------------------------------------------------------------------------

const SubmitReportInput = builder.inputType('SubmitReportInput', {
  description:
    'A published source to record. Give what the sources give and nothing more: a report may be known only by its outlet and month, or, when no outlet is named, by a description.',
  fields: (t) => ({
    url: t.string({
      description:
        'Where it was published (http or https), when known; stored less its tracking parameters. Its normalised form identifies the report: http and https, "www." and the bare host of one page are one report.',
    }),
    title: t.string({ description: 'Its headline as published (1-500 characters), when known.' }),
    publisher: t.string({ description: 'The outlet or organisation; required unless describedAs says what the source is.' }),
    describedAs: t.string({ description: 'What the source is when no publisher is named (1-500 characters).' }),
    publishedAt: t.field({ type: 'Date', description: 'When it was published; not in the future.' }),
    publishedPrecision: t.field({ type: DatePrecisionEnum, description: 'Precision of publishedAt (default DAY when a date is given).' }),
    summary: t.string({ description: 'What it reports, in your own words (up to 10,000 characters).' }),
    language: t.string({ description: 'ISO 639-1 code, when known; left out, the language is recorded as unknown.' }),
    incidentIds: t.idList({ description: 'Incidents it documents; a report may also arrive before any incident exists.' }),
  }),
});

const SubmitReportPayload = builder.objectRef<{ report: ReportRow; created: boolean }>('SubmitReportPayload').implement({
  description: 'The stored report, and whether this call created it.',
  fields: (t) => ({
    report: t.field({ type: ReportRef, description: 'The report.', resolve: (payload) => payload.report }),
    created: t.exposeBoolean('created', {
      description: 'False when the report was already on record (same normalised URL; without a URL, same publisher, description, date and title): nothing changed and no event was sent.',
    }),
  }),
});

const LinkPayload = builder.objectRef<{ incidentId: string; reportId: string; changed: boolean }>('ReportLinkPayload').implement({
  description: 'The incident and report after linking or unlinking them.',
  fields: (t) => ({
    incident: t.field({ type: IncidentRef, description: 'The incident.', resolve: (payload) => payload.incidentId }),
    report: t.field({ type: ReportRef, description: 'The report.', resolve: (payload) => payload.reportId }),
    changed: t.exposeBoolean('changed', { description: 'False when the link already was as asked.' }),
  }),
});

type MutationFieldBuilder = Parameters<Parameters<typeof builder.mutationFields>[0]>[0];

const linkArgs = (t: MutationFieldBuilder) => ({
  reportId: t.arg.id({ required: true, description: 'The report.' }),
  incidentId: t.arg.id({ required: true, description: 'The incident.' }),
});

/** Parses a link's two ids and applies the change; both link mutations share it. */
async function changeLink(
  context: GraphQLContext,
  args: { reportId: string; incidentId: string },
  change: typeof attachReport,
) {
  const reportId = parseId(args.reportId, 'Report', 'reportId');
  const incidentId = parseId(args.incidentId, 'Incident', 'incidentId');
  return { reportId, incidentId, ...(await change(context.sql, reportId, incidentId)) };
}

builder.mutationFields((t) => ({
  submitReport: t.field({
    type: SubmitReportPayload,
    description:
      'Records a report and announces it to reportAdded subscribers. Idempotent: on its normalised URL, or, without one, on its publisher, description, publication date and title. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: { input: t.arg({ type: SubmitReportInput, required: true, description: 'The report.' }) },
    resolve: (_root, { input }, context) =>
      submitReport(context.sql, {
        url: input.url,
        title: input.title,
        publisher: input.publisher,
        describedAs: input.describedAs,
        publishedAt: input.publishedAt,
        publishedPrecision: input.publishedPrecision,
        summary: input.summary,
        language: input.language,
        incidentIds: input.incidentIds?.map((id, i) => parseId(id, 'Incident', `incidentIds[${i}]`)),
      }),
  }),
  attachReport: t.field({
    type: LinkPayload,
    description: 'Links a report to an incident it documents. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: linkArgs(t),
    resolve: (_root, args, context) => changeLink(context, args, attachReport),
  }),
  detachReport: t.field({
    type: LinkPayload,
    description: 'Unlinks a report from an incident. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: linkArgs(t),
    resolve: (_root, args, context) => changeLink(context, args, detachReport),
  }),
}));

// ---- Live ---------------------------------------------------------------------------------------------

const ReportChangeEnum = builder.enumType('ReportChange', {
  description: 'Why a report reached a reportAdded subscriber.',
  values: {
    ADDED: { value: 'added', description: 'It was submitted.' },
    ATTACHED: {
      value: 'attached',
      description: 'An existing report was linked to an incident, and now matches the filter it did not match before.',
    },
    MATCHED: {
      value: 'matched',
      description:
        'An incident the report documents changed (gained an actor, a country, an AI system or a technique, or absorbed a duplicate), and the report now matches the filter it did not match before.',
    },
    DETACHED: {
      value: 'detached',
      description: 'The report was unlinked from an incident (`detachedFrom`) and still matches the filter.',
    },
    LEFT_FILTER: {
      value: 'left_filter',
      description:
        'The report no longer matches the filter, which it matched before (it was detached, or an incident it documents changed or was merged away): drop it. Said once.',
    },
  } as const satisfies Record<string, { value: ReportChange; description: string }>,
});

const ReportAddedEventRef = builder.objectRef<Delivered<ReportChange, ReportRow, ReportEvent>>('ReportAddedEvent').implement({
  description: 'A new report was committed, an existing one came to match the subscription\'s filter or left it, or it was detached from an incident.',
  interfaces: [LiveEventInterface],
  fields: (t) => ({
    change: t.field({ type: ReportChangeEnum, description: 'Why the report is announced.', resolve: (event) => event.change }),
    report: t.field({
      type: ReportRef,
      description:
        'The report as this event announced it (its own fields; what it links to, as it is now). Events written before Faultline kept snapshots show it as it is now.',
      resolve: (event) => event.payload ?? event.event.entity_id,
    }),
    reportNow: t.field({
      type: ReportRef,
      nullable: true,
      description: 'The report as it is now.',
      resolve: (event) => event.event.entity_id,
    }),
    attachedTo: t.field({
      type: [IncidentRef],
      description: 'The incidents this change linked it to (ATTACHED, and a LEFT_FILTER by a merge); empty otherwise.',
      resolve: ({ event }) => (event.kind === 'report_added' ? [] : event.attributes.incidentIds.filter((id) => !event.previous.incidentIds.includes(id))),
    }),
    detachedFrom: t.field({
      type: [IncidentRef],
      description: 'The incidents this change unlinked it from (DETACHED, and a LEFT_FILTER by a detach or merge); empty otherwise.',
      resolve: ({ event }) => (event.kind === 'report_added' ? [] : event.previous.incidentIds.filter((id) => !event.attributes.incidentIds.includes(id))),
    }),
  }),
});

const ReportAddedFilter = builder.inputType('ReportAddedFilter', {
  description: 'Which new reports to receive; all given conditions must hold.',
  fields: (t) => ({
    incident: t.id({ description: 'Reports documenting this incident.' }),
    actor: t.id({ description: 'Reports about incidents this actor took part in.' }),
    aiSystem: t.id({ description: 'Reports about incidents involving this AI system or, unless `aiSystemExact`, one of its versions (as they are when you subscribe).' }),
    aiSystemExact: t.boolean({ defaultValue: false, description: 'With `aiSystem`: that system only, not its versions.' }),
    technique: t.string({
      description: 'Reports about incidents using this MITRE ATLAS technique, e.g. "AML.T0016", or, unless `techniqueExact`, one of its sub-techniques.',
    }),
    techniqueExact: t.boolean({ defaultValue: false, description: 'With `technique`: that ATLAS id only, not its sub-techniques.' }),
    country: t.string({ description: 'Reports about incidents affecting this country (ISO 3166-1 alpha-2).' }),
    language: t.string({ description: 'Reports in this language (ISO 639-1).' }),
  }),
});

builder.subscriptionFields((t) => ({
  reportAdded: t.field({
    type: ReportAddedEventRef,
    description:
      'Every new report the moment it is committed; every existing report that comes to match the filter, by being attached to an incident (ATTACHED) or because an incident it documents changed (MATCHED); once LEFT_FILTER when it stops matching; DETACHED when unlinked from an incident while it still matches. With `after`, first replays what happened after that cursor, then continues live with no gap and no duplicate.',
    args: {
      filter: t.arg({ type: ReportAddedFilter, description: 'Which reports to receive.' }),
      after: t.arg.string({ description: 'Resume after this event cursor.' }),
    },
    subscribe: (_root, args, context) =>
      subscribeTopic(
        context,
        reportTopic,
        async () =>
          parseReportFilter({
            incidentId: args.filter?.incident ? parseId(args.filter.incident, 'Incident', 'filter.incident') : undefined,
            actorId: args.filter?.actor ? parseId(args.filter.actor, 'Actor', 'filter.actor') : undefined,
            aiSystem: await rolledUpAiSystem(context, args.filter?.aiSystem, args.filter?.aiSystemExact),
            technique: args.filter?.technique,
            techniqueExact: args.filter?.techniqueExact,
            country: args.filter?.country,
            language: args.filter?.language,
          }),
        args.after,
      ),
    resolve: liveEvent,
  }),
}));
