// Atom feeds (RFC 4287) of the event log: new reports (reportAdded), incident changes (incidentChanged), and
// policy positions and actions (policyPositionRecorded, actionChanged). Each takes the filter its
// subscription takes, as query parameters, and matches with that topic's own `concerns`, so a feed shows
// what a subscriber with the same filter would have been sent. Entry ids are tag: URIs built from the
// record's natural key, the event kind and the event id: the same entry keeps its id on every fetch.
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/index.js';
import { ACTION_KINDS, type ActionKind } from '../data/actions.js';
import { aiSystemRollUp } from '../data/ai-systems.js';
import { newestEvents, type FeedEventRow } from '../data/feeds.js';
import { incidentBySlug, SEVERITIES, type Severity } from '../data/incidents.js';
import { STANCES, topicBySlug, type Stance } from '../data/policy.js';
import { actionTopic, incidentTopic, policyPositionTopic, reportTopic } from '../live/topics/index.js';
import { parseActionFilter, type ActionChange, type ActionEvent } from '../live/topics/action.js';
import { INCIDENT_CHANGES, parseIncidentChangeFilter, type IncidentChange, type IncidentEvent } from '../live/topics/incident.js';
import { parsePositionFilter, type PositionChange, type PositionEvent } from '../live/topics/policy-position.js';
import { parseReportFilter, type ReportEvent, type RolledUp } from '../live/topics/report.js';
import { ExportParamError, actorIdOf, aiSystemIdOf, type Params } from './params.js';

export type FeedName = 'reports' | 'incidents' | 'positions';

/** How many of a feed's newest events are looked at, and how many entries a feed holds at most. */
export const FEED_SCAN = 1000;
export const FEED_DEFAULT_ENTRIES = 50;
export const FEED_MAX_ENTRIES = 200;

const TAG_AUTHORITY = 'tag:faultline.dev,2026:';

export const FEEDS: Record<FeedName, { contentType: string; title: string }> = {
  reports: { contentType: 'application/atom+xml; charset=utf-8', title: 'Faultline: new reports' },
  incidents: { contentType: 'application/atom+xml; charset=utf-8', title: 'Faultline: incident changes' },
  positions: { contentType: 'application/atom+xml; charset=utf-8', title: 'Faultline: policy positions and actions' },
};

/** Text escaped for XML content and attributes; characters XML 1.0 forbids are dropped. */
export function xml(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

interface Entry {
  id: string;
  title: string;
  updated: string;
  summary: string;
  link?: string | undefined;
  author?: string | undefined;
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function shortText(text: string, max = 100): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** A report's natural key: its normalised URL, or a digest of what identifies a report without one. */
function reportKey(s: Record<string, unknown>): string {
  const urlKey = str(s.url_key);
  if (urlKey) return `report/${encodeURIComponent(urlKey)}`;
  const parts = [s.publisher, s.described_as, s.published_precision, s.published_on, s.title].map((v) => str(v) ?? '').join('|');
  return `report/source-${createHash('sha256').update(parts.toLowerCase()).digest('hex').slice(0, 24)}`;
}

function reportEntry(e: FeedEventRow, change: string): Entry {
  const s = e.snapshot ?? {};
  const source = str(s.publisher) ?? str(s.described_as) ?? 'unnamed source';
  const title = str(s.title) ?? `Report from ${source} (title unknown)`;
  return {
    id: `${TAG_AUTHORITY}${reportKey(s)}/${e.kind}/${e.id}`,
    title: change === 'added' ? title : `${change.replace('_', ' ')}: ${title}`,
    updated: e.created_at.toISOString(),
    summary: str(s.summary) || `${source}${str(s.published_on) ? `, ${str(s.published_on)}` : ''}`,
    link: str(s.url) ?? undefined,
    author: source,
  };
}

function incidentEntry(e: FeedEventRow, change: string): Entry {
  const s = e.snapshot ?? {};
  const slug = str(s.slug) ?? `id-${e.entity_id}`;
  return {
    id: `${TAG_AUTHORITY}incident/${slug}/${e.kind}/${e.id}`,
    title: `${change.replace('_', ' ')}: ${str(s.title) ?? slug}`,
    updated: e.created_at.toISOString(),
    summary: str(s.summary) || `${str(s.title) ?? slug} (${change})`,
  };
}

function statementEntry(e: FeedEventRow, change: string): Entry {
  const s = e.snapshot ?? {};
  const actor = e.actor_name ?? 'an actor no longer on record';
  const isPosition = e.kind.startsWith('position_');
  const what = isPosition
    ? `${actor} ${str(s.stance) ?? 'states a position'}${e.topic_name ? ` on ${e.topic_name}` : ''}`
    : `${actor}: ${str(s.kind) ?? 'action'}`;
  // Positions and actions have no slug: the actor's (and topic's) slug and the record's id name them.
  const key = isPosition
    ? `position/${e.actor_slug ?? 'unknown'}/${e.topic_slug ?? 'unknown'}/${e.entity_id}`
    : `action/${e.actor_slug ?? 'unknown'}/${e.entity_id}`;
  return {
    id: `${TAG_AUTHORITY}${key}/${e.kind}/${e.id}`,
    title: `${change}: ${what}: ${shortText(str(s.summary) ?? '')}`,
    updated: e.created_at.toISOString(),
    summary: str(s.summary) ?? what,
    author: e.actor_name ?? undefined,
  };
}

interface FeedPlan {
  kinds: string[];
  /** The entry for an event the filter takes, or undefined. */
  entry(event: FeedEventRow): Entry | undefined;
}

/** The `aiSystem` parameter (a slug) with the ids that count as it: its versions too unless `aiSystemExact`. */
async function rolledUp(sql: Queryable, p: Params): Promise<RolledUp | undefined> {
  const id = await aiSystemIdOf(sql, 'aiSystem', p.slug('aiSystem'));
  const exact = p.flag('aiSystemExact');
  return id === undefined ? undefined : { id, ids: new Set(await aiSystemRollUp(sql, id, exact)) };
}

/** The `technique` parameter: a MITRE ATLAS id. */
function technique(p: Params): string | undefined {
  const value = p.one('technique');
  if (value !== undefined && !/^AML\.TA?\d{4}(\.\d{3})?$/.test(value)) {
    throw new ExportParamError('technique', `must be a MITRE ATLAS id such as "AML.T0054"; got "${value}"`);
  }
  return value;
}

async function planReports(sql: Queryable, p: Params): Promise<FeedPlan> {
  const incidentSlug = p.slug('incident');
  let incidentId: string | undefined;
  if (incidentSlug !== undefined) {
    const incident = await incidentBySlug(sql, incidentSlug);
    if (!incident) throw new ExportParamError('incident', `no incident has the slug "${incidentSlug}"`);
    incidentId = incident.id;
  }
  const filter = parseReportFilter({
    incidentId,
    actorId: await actorIdOf(sql, 'actor', p.slug('actor')),
    aiSystem: await rolledUp(sql, p),
    technique: technique(p),
    techniqueExact: p.flag('techniqueExact'),
    country: p.one('country'),
    language: p.one('language'),
  });
  return {
    kinds: [...reportTopic.kinds],
    entry: (e) => {
      const change = reportTopic.concerns(filter, e as unknown as ReportEvent);
      return change ? reportEntry(e, change) : undefined;
    },
  };
}

async function planIncidents(sql: Queryable, p: Params): Promise<FeedPlan> {
  const filter = parseIncidentChangeFilter({
    severityAtLeast: p.choice<Severity>('severityAtLeast', SEVERITIES),
    country: p.country('country'),
    aiSystem: await rolledUp(sql, p),
    techniqueId: technique(p),
    techniqueExact: p.flag('techniqueExact'),
    actorId: await actorIdOf(sql, 'actor', p.slug('actor')),
    changes: p.choices<IncidentChange>('changes', INCIDENT_CHANGES),
  });
  return {
    kinds: [...incidentTopic.kinds],
    entry: (e) => {
      const change = incidentTopic.concerns(filter, e as unknown as IncidentEvent);
      return change ? incidentEntry(e, change) : undefined;
    },
  };
}

async function planPositions(sql: Queryable, p: Params): Promise<FeedPlan> {
  const actorId = await actorIdOf(sql, 'actor', p.slug('actor'));
  const topicSlug = p.slug('topic');
  let topicId: string | undefined;
  if (topicSlug !== undefined) {
    const topic = await topicBySlug(sql, topicSlug);
    if (!topic) throw new ExportParamError('topic', `no policy topic has the slug "${topicSlug}"`);
    topicId = topic.id;
  }
  const stances = p.choices<Stance>('stance', STANCES);
  const actionKinds = p.choices<ActionKind>('actionKind', ACTION_KINDS);
  const changes = p.choices<PositionChange | ActionChange>('changes', ['recorded', 'updated', 'retracted']);
  const positionFilter = parsePositionFilter({ actorId, topicId, stances, changes });
  const actionFilter = parseActionFilter({ actorId, topicId, kinds: actionKinds, changes });
  // A stance narrows to positions, an action kind to actions.
  const positions = !actionKinds;
  const actions = !stances;
  return {
    kinds: [...(positions ? policyPositionTopic.kinds : []), ...(actions ? actionTopic.kinds : [])],
    entry: (e) => {
      const change = e.kind.startsWith('position_')
        ? policyPositionTopic.concerns(positionFilter, e as unknown as PositionEvent)
        : actionTopic.concerns(actionFilter, e as unknown as ActionEvent);
      return change ? statementEntry(e, change) : undefined;
    },
  };
}

/** A feed's filter in its id: the same parameters (in any order) give the same feed id. */
function filterKey(self: string): string {
  const params = [...new URL(self).searchParams].sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1));
  return params.length ? `/${createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 24)}` : '';
}

function entryXml(entry: Entry): string {
  return [
    '  <entry>',
    `    <id>${xml(entry.id)}</id>`,
    `    <title type="text">${xml(entry.title)}</title>`,
    `    <updated>${entry.updated}</updated>`,
    entry.author ? `    <author><name>${xml(entry.author)}</name></author>` : undefined,
    entry.link ? `    <link rel="alternate" href="${xml(entry.link)}"/>` : undefined,
    `    <summary type="text">${xml(entry.summary)}</summary>`,
    '  </entry>',
    '',
  ]
    .filter((line) => line !== undefined)
    .join('\n');
}

/**
 * Plans a feed from its parameters (checking them all; call `rejectUnknown` after) and returns its XML as
 * chunks. `self` is the feed's own URL.
 */
export async function feedChunks(sql: Queryable, feed: FeedName, p: Params, self: string): Promise<AsyncIterable<string>> {
  const plan = feed === 'reports' ? await planReports(sql, p) : feed === 'incidents' ? await planIncidents(sql, p) : await planPositions(sql, p);
  const limitText = p.one('limit');
  const limit = limitText === undefined ? FEED_DEFAULT_ENTRIES : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > FEED_MAX_ENTRIES) {
    throw new ExportParamError('limit', `must be a whole number from 1 to ${FEED_MAX_ENTRIES}; got "${limitText}"`);
  }
  return (async function* () {
    const events = plan.kinds.length ? await newestEvents(sql, plan.kinds, FEED_SCAN) : [];
    const entries: Entry[] = [];
    for (const event of events) {
      const entry = plan.entry(event);
      if (entry) entries.push(entry);
      if (entries.length >= limit) break;
    }
    // The feed changes when its newest entry does; an empty feed keeps a fixed date so it stays the same too.
    const updated = entries[0]?.updated ?? '1970-01-01T00:00:00.000Z';
    yield [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<feed xmlns="http://www.w3.org/2005/Atom">',
      `  <id>${TAG_AUTHORITY}feed/${feed}${filterKey(self)}</id>`,
      `  <title type="text">${xml(FEEDS[feed].title)}</title>`,
      `  <updated>${updated}</updated>`,
      '  <author><name>Faultline</name></author>',
      `  <link rel="self" type="application/atom+xml" href="${xml(self)}"/>`,
      '  <generator>Faultline</generator>',
      '',
    ].join('\n');
    for (const entry of entries) yield entryXml(entry);
    yield '</feed>\n';
  })();
}
