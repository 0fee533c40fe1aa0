import type { Sql } from '../db/index.js';
import { announce } from '../live/topic.js';
import { reportTopic } from '../live/topics/report.js';
import { NotFoundError, ValidationError } from './errors.js';
import type { DatePrecision } from './incidents.js';
import { reportsByIds, type ReportRow } from './reports.js';
import { writeTransaction } from './transactions.js';
import * as check from './validate.js';

export interface ReportSubmission {
  url?: string | null | undefined;
  title?: string | null | undefined;
  publisher?: string | null | undefined;
  describedAs?: string | null | undefined;
  publishedAt?: string | null | undefined;
  publishedPrecision?: DatePrecision | null | undefined;
  summary?: string | null | undefined;
  language?: string | null | undefined;
  incidentIds?: string[] | null | undefined;
}

/**
 * Records a report, idempotently: submitting the same report again returns the stored one with
 * created=false, changes nothing and emits no event. A report with a URL is identified by its normalised
 * URL; one without (known by outlet and month, say) by everything known of it: publisher, description,
 * publication date and precision, and title. What is not given stays unknown: no default language,
 * headline or publisher is filled in. A new report is linked to the given incidents and announced with a
 * report_added event, in the same transaction.
 */
export async function submitReport(sql: Sql, input: ReportSubmission): Promise<{ report: ReportRow; created: boolean }> {
  const address = input.url != null && input.url.trim() !== '' ? check.httpUrl('url', input.url) : null;
  const title = check.optionalText('title', input.title, 500);
  const publisher = check.optionalText('publisher', input.publisher, 200);
  const describedAs = check.optionalText('describedAs', input.describedAs, 500);
  if (!publisher && !describedAs) {
    throw new ValidationError('publisher', 'required', 'publisher: name the outlet, or, when the sources name none, say what the source is in describedAs');
  }
  const summary = check.text('summary', input.summary ?? '', { min: 0, max: 10_000 });
  const language = input.language == null || input.language.trim() === '' ? null : input.language.trim().toLowerCase();
  if (language !== null && !/^[a-z]{2}$/.test(language)) {
    throw new ValidationError('language', 'iso-639-1', `language must be a two-letter ISO 639-1 code such as "en" or "es", got "${input.language}"`);
  }
  const precision = input.publishedPrecision ?? (input.publishedAt ? 'day' : 'unknown');
  const published = check.partialDate('publishedAt', input.publishedAt, precision);
  const incidentIds = [...new Set(input.incidentIds ?? [])];
  const row = {
    url: address?.url ?? null,
    url_key: address?.key ?? null,
    publisher,
    described_as: describedAs,
    title,
    summary,
    language,
    published_on: published.date,
    published_precision: published.precision,
  };

  return writeTransaction(sql, async (tx) => {
    // The conflict target is the identity that applies: url_key for a report with an address, the
    // generated source_key for one without.
    const inserted = await tx<{ id: string }[]>`
      insert into reports ${tx(row)}
      on conflict (${tx(row.url_key ? 'url_key' : 'source_key')}) do nothing
      returning id
    `;
    if (inserted.length === 0) {
      const [existing] = row.url_key
        ? await tx<{ id: string }[]>`select id from reports where url_key = ${row.url_key}`
        : await tx<{ id: string }[]>`
            select id from reports
            where source_key = report_source_key(${row.publisher}, ${row.described_as}, ${row.published_precision},
              ${row.published_on}, ${row.title})
          `;
      return { report: (await reportsByIds(tx, [existing!.id]))[0]!, created: false };
    }
    const id = inserted[0]!.id;
    if (incidentIds.length > 0) {
      const live = await tx<{ id: string; merged_into_id: string | null }[]>`
        select id, merged_into_id from incidents where id = any(${incidentIds})
      `;
      const missing = incidentIds.find((incidentId) => !live.some((row) => row.id === incidentId));
      if (missing) throw new NotFoundError('incidentIds', `incidentIds: no incident has id ${missing}`);
      // A link to a merged duplicate goes to the incident it was merged into.
      const targets = [...new Set(live.map((row) => row.merged_into_id ?? row.id))];
      await tx`insert into incident_reports ${tx(targets.map((incidentId) => ({ incident_id: incidentId, report_id: id })))} on conflict do nothing`;
    }
    // A report linked to nothing has nothing for incident, actor, system or country filters to match.
    const announced = incidentIds.length > 0 ? { id } : { id, attributes: { incidentIds: [], actorIds: [], aiSystemIds: [], countries: [], language } };
    // Both sent at once: they travel in one round trip.
    const [[report]] = await Promise.all([reportsByIds(tx, [id]), announce(tx, reportTopic, 'report_added', [announced])]);
    return { report: report!, created: true };
  });
}
