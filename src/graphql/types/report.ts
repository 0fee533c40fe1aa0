import { incidentsOfReports } from '../../data/incidents.js';
import { countReports, listReports, reportByUrlKey } from '../../data/reports.js';
import { normalizeReportUrl } from '../../data/urls.js';
import { builder } from '../builder.js';
import { badInput, parseId } from '../errors.js';
import { keysetConnection } from '../pagination.js';
import { IncidentRef, ReportRef } from '../refs.js';
import { PartialDateRef } from './dates.js';

ReportRef.implement({
  description: 'One published source: an article, a disclosure, a research write-up.',
  fields: (t) => ({
    url: t.exposeString('url', { description: 'Where it was published.' }),
    publisher: t.exposeString('publisher', { description: 'The outlet or organisation that published it.' }),
    title: t.exposeString('title', { description: 'Its headline.' }),
    summary: t.exposeString('summary', { description: 'What it reports, in Faultline\'s words.' }),
    language: t.exposeString('language', { description: 'ISO 639-1 code of its language, e.g. "en", "es".' }),
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
      };
      return keysetConnection(
        'reports',
        args,
        (page) => listReports(context.sql, filter, page),
        () => countReports(context.sql, filter),
      );
    },
  }),
  report: t.field({
    type: ReportRef,
    nullable: true,
    description: 'The report at this URL, matched after normalisation (case of the host, tracking parameters, fragment).',
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
