// How each record type's events capture it, inside the writing transaction: the attributes subscription
// filters match on and the snapshot of the record as announced, each a jsonb expression given an expression
// for the record's id. The topics of src/live/topics declare the attributes' shape and match on it; the
// same SQL serves one write and a bulk load of thousands.
import { actionSnapshotSql } from './actions.js';
import type { Queryable } from '../db/index.js';
import type { RecordCapture, RecordSql } from './event-log.js';
import { incidentSnapshotSql } from './incidents.js';
import { positionSnapshotSql } from './policy.js';
import { reportSnapshotSql } from './reports.js';

/**
 * A report's incidents and, through them, its actors, AI systems, techniques and countries; and its language.
 * One pass over its links (distinct, sorted), not one per attribute: a bulk load computes it for thousands.
 * Roll-ups (an AI system's versions, a technique's sub-techniques) are the filters' business, not stored here.
 */
// The attributes and the rows they are read from, shared by the one-report capture and the grouped bulk read.
const reportAttributesObject = (sql: Queryable) => sql`
  jsonb_build_object(
    'incidentIds', array_remove(array_agg(distinct l.incident_id::text), null),
    'actorIds', array_remove(array_agg(distinct a.actor_id::text), null),
    'aiSystemIds', array_remove(array_agg(distinct s.ai_system_id::text), null),
    'techniqueIds', array_remove(array_agg(distinct t.technique_id), null),
    'countries', array_remove(array_agg(distinct country), null),
    'language', min(r.language))
`;
const reportLinks = (sql: Queryable) => sql`
  from reports r
  left join incident_reports l on l.report_id = r.id
  left join incidents i on i.id = l.incident_id
  left join incident_actors a on a.incident_id = l.incident_id
  left join incident_ai_systems s on s.incident_id = l.incident_id
  left join incident_techniques t on t.incident_id = l.incident_id
  left join lateral unnest(i.countries::text[]) as country on true
`;

const reportAttributes: RecordSql = (sql, id) => sql`
  (select ${reportAttributesObject(sql)}
   ${reportLinks(sql)}
   where r.id = ${id}
   -- No report, no row (rather than one of empty attributes): an event must be about something.
   having count(r.id) > 0)
`;

/**
 * `reportAttributes` of many reports in one grouped statement, by report id: for a bulk load, whose
 * per-report subqueries cost more than the rows they announce (bench/import.ts). Same keys, same values.
 */
export async function reportAttributesOf(sql: Queryable, ids: readonly string[]): Promise<Map<string, unknown>> {
  if (ids.length === 0) return new Map();
  const rows = await sql<{ id: string; attributes: unknown }[]>`
    select r.id::text as id, ${reportAttributesObject(sql)} as attributes
    ${reportLinks(sql)}
    where r.id = any(${ids as string[]}::bigint[])
    group by r.id
  `;
  return new Map(rows.map((row) => [row.id, row.attributes]));
}

/** An incident's severity rank, countries, actors, AI systems and techniques. */
const incidentAttributes: RecordSql = (sql, id) => sql`
  (select jsonb_build_object(
    'incidentIds', jsonb_build_array(i.id::text),
    'severityRank', i.severity_rank,
    'countries', i.countries::text[],
    'actorIds', array(select distinct actor_id::text from incident_actors where incident_id = i.id order by 1),
    'aiSystemIds', array(select distinct ai_system_id::text from incident_ai_systems where incident_id = i.id order by 1),
    'techniqueIds', array(select technique_id from incident_techniques where incident_id = i.id order by 1))
   from incidents i where i.id = ${id})
`;

/** A policy position's topic, actor and stance. */
const positionAttributes: RecordSql = (sql, id) => sql`
  (select jsonb_build_object('topicId', p.topic_id::text, 'actorIds', jsonb_build_array(p.actor_id::text), 'stance', p.stance::text)
   from policy_positions p where p.id = ${id})
`;

/** A report's events: its attributes and its row. */
export const reportCapture: RecordCapture = { attributes: reportAttributes, snapshot: reportSnapshotSql };

/** An incident's events: its attributes and its row. */
export const incidentCapture: RecordCapture = { attributes: incidentAttributes, snapshot: incidentSnapshotSql };

/** A policy position's events: its attributes and its row. */
export const positionCapture: RecordCapture = { attributes: positionAttributes, snapshot: positionSnapshotSql };

/** An action's actor and speaker, addressees, topics, kind and outcome. */
const actionAttributes: RecordSql = (sql, id) => sql`
  (select jsonb_build_object(
    'actorIds', array_remove(array[ac.actor_id::text, ac.speaker_id::text], null),
    'addresseeIds', array(select actor_id::text from action_addressees where action_id = ac.id order by 1),
    'topicIds', array(select topic_id::text from action_topics where action_id = ac.id order by 1),
    'kind', ac.kind,
    'outcome', ac.outcome)
   from actions ac where ac.id = ${id})
`;

/** An action's events: its attributes and its row. */
export const actionCapture: RecordCapture = { attributes: actionAttributes, snapshot: actionSnapshotSql };
