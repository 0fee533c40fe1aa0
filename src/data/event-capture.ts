// How each record type's events capture it, inside the writing transaction: the attributes subscription
// filters match on and the snapshot of the record as announced, each a jsonb expression given an expression
// for the record's id. The topics of src/live/topics declare the attributes' shape and match on it; the
// same SQL serves one write and a bulk load of thousands.
import type { RecordCapture, RecordSql } from './event-log.js';
import { incidentSnapshotSql } from './incidents.js';
import { positionSnapshotSql } from './policy.js';
import { reportSnapshotSql } from './reports.js';

/** A report's incidents and, through them, its actors, AI systems and countries; and its language. */
const reportAttributes: RecordSql = (sql, id) => sql`
  (select jsonb_build_object(
    'incidentIds', array(select l.incident_id::text from incident_reports l where l.report_id = r.id order by 1),
    'actorIds', array(select distinct a.actor_id::text from incident_reports l join incident_actors a using (incident_id)
                      where l.report_id = r.id order by 1),
    'aiSystemIds', array(select distinct s.ai_system_id::text from incident_reports l join incident_ai_systems s using (incident_id)
                         where l.report_id = r.id order by 1),
    'countries', array(select distinct c from incident_reports l join incidents i on i.id = l.incident_id, unnest(i.countries) c
                       where l.report_id = r.id order by 1),
    'language', r.language)
   from reports r where r.id = ${id})
`;

/** An incident's severity rank, countries, actors and AI systems. */
const incidentAttributes: RecordSql = (sql, id) => sql`
  (select jsonb_build_object(
    'incidentIds', jsonb_build_array(i.id::text),
    'severityRank', i.severity_rank,
    'countries', i.countries::text[],
    'actorIds', array(select distinct actor_id::text from incident_actors where incident_id = i.id order by 1),
    'aiSystemIds', array(select distinct ai_system_id::text from incident_ai_systems where incident_id = i.id order by 1))
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
