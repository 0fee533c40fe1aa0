import type { Sql } from '../db/index.js';
import { announce } from '../live/topic.js';
import { policyPositionTopic } from '../live/topics/policy-position.js';
import { NotFoundError, ValidationError } from './errors.js';
import type { DatePrecision } from './incidents.js';
import { positionsByIds, type Confidence, type PolicyPositionRow, type Stance } from './policy.js';
import { writeTransaction } from './transactions.js';
import * as check from './validate.js';

export interface PositionInput {
  actorId: string;
  speakerId?: string | null | undefined;
  topicId: string;
  stance: Stance;
  summary: string;
  quote?: string | null | undefined;
  statedAt?: string | null | undefined;
  statedPrecision: DatePrecision;
  sourceReportId: string;
  confidence?: Confidence | null | undefined;
  citedIncidentIds?: string[] | null | undefined;
}

const QUOTE_MAX_WORDS = 25;

/**
 * Records a position. A new position for the same actor and topic supersedes the current one (stance
 * history); a position_recorded event is appended in the same transaction.
 */
export async function recordPolicyPosition(sql: Sql, input: PositionInput): Promise<PolicyPositionRow> {
  const summary = check.text('summary', input.summary, { max: 2000 });
  const quote = check.optionalText('quote', input.quote, 200);
  if (quote && quote.split(/\s+/).length > QUOTE_MAX_WORDS) {
    throw new ValidationError('quote', 'max-words', `quote must be a short fragment of at most ${QUOTE_MAX_WORDS} words; put the rest in summary`);
  }
  const stated = check.partialDate('statedAt', input.statedAt, input.statedPrecision);
  const cited = [...new Set(input.citedIncidentIds ?? [])];

  return writeTransaction(sql, async (tx) => {
    const refs = await tx<{ actor: boolean; speaker: boolean; topic: boolean; report: boolean }[]>`
      select
        exists(select 1 from actors where id = ${input.actorId}) as actor,
        ${input.speakerId ? tx`exists(select 1 from actors where id = ${input.speakerId})` : tx`true`} as speaker,
        exists(select 1 from policy_topics where id = ${input.topicId}) as topic,
        exists(select 1 from reports where id = ${input.sourceReportId}) as report
    `;
    const found = refs[0]!;
    if (!found.actor) throw new NotFoundError('actor', `no actor has id ${input.actorId}`);
    if (!found.speaker) throw new NotFoundError('speaker', `no actor has id ${input.speakerId}`);
    if (!found.topic) throw new NotFoundError('topic', `no policy topic has id ${input.topicId}`);
    if (!found.report) throw new NotFoundError('sourceReport', `no report has id ${input.sourceReportId}`);
    if (cited.length > 0) {
      const present = await tx<{ id: string }[]>`select id from incidents where id = any(${cited})`;
      const missing = cited.find((id) => !present.some((row) => row.id === id));
      if (missing) throw new NotFoundError('cites', `cites: no incident has id ${missing}`);
    }
    // Serialise writers of one actor and topic, so each new position supersedes exactly the current one.
    await tx`select pg_advisory_xact_lock(hashtext('policy-position'), hashtext(${input.actorId + ':' + input.topicId}))`;
    const [current] = await tx<{ id: string }[]>`
      select p.id from policy_positions p
      where p.actor_id = ${input.actorId} and p.topic_id = ${input.topicId} and p.retracted_at is null
        and not exists (select 1 from policy_positions n where n.supersedes_id = p.id and n.retracted_at is null)
      order by p.id desc
      limit 1
    `;
    // A retracted newer position may still hold the supersedes link; it gives it up to the new one.
    if (current) await tx`update policy_positions set supersedes_id = null where supersedes_id = ${current.id}`;
    const [row] = await tx<{ id: string }[]>`
      insert into policy_positions (actor_id, speaker_id, topic_id, stance, summary, quote, stated_on, stated_precision,
        source_report_id, confidence, supersedes_id)
      values (${input.actorId}, ${input.speakerId ?? null}, ${input.topicId}, ${input.stance}, ${summary}, ${quote},
        ${stated.date}, ${stated.precision}, ${input.sourceReportId}, ${input.confidence ?? 'medium'}, ${current?.id ?? null})
      returning id
    `;
    const id = row!.id;
    if (cited.length > 0) {
      await tx`insert into policy_position_incidents ${tx(cited.map((incidentId) => ({ position_id: id, incident_id: incidentId })))}`;
    }
    const [[position]] = await Promise.all([positionsByIds(tx, [id]), announce(tx, policyPositionTopic, 'position_recorded', [{ id }])]);
    return position!;
  });
}

/** Retracts a position (a position_retracted event); the one it superseded becomes current again. */
export async function retractPolicyPosition(sql: Sql, positionId: string): Promise<PolicyPositionRow> {
  return writeTransaction(sql, async (tx) => {
    const [row] = await tx<{ retracted_at: Date | null }[]>`
      select retracted_at from policy_positions where id = ${positionId} for update
    `;
    if (!row) throw new NotFoundError('id', `no policy position has id ${positionId}`);
    if (row.retracted_at) throw new ValidationError('id', 'not-retracted', 'this position was already retracted');
    await tx`update policy_positions set retracted_at = now() where id = ${positionId}`;
    const [[position]] = await Promise.all([
      positionsByIds(tx, [positionId]),
      announce(tx, policyPositionTopic, 'position_retracted', [{ id: positionId }]),
    ]);
    return position!;
  });
}
