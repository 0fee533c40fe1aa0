import type { Queryable, Sql } from '../db/index.js';
import { announce } from '../live/topic.js';
import { policyPositionTopic } from '../live/topics/policy-position.js';
import { checkCitations, citationSnapshot, insertCitations, quoteIsBacked, type CitationInput } from './citations.js';
import { NotFoundError, ValidationError } from './errors.js';
import { appendRecordHistory } from './history.js';
import type { Author } from './incident-changes.js';
import type { DatePrecision } from './incidents.js';
import { positionsByIds, type Confidence, type PolicyPositionRow, type Stance } from './policy.js';
import { writeTransaction } from './transactions.js';
import * as check from './validate.js';

export interface PositionInput {
  actorId: string;
  speakerId?: string | null | undefined;
  /** An unnamed speaker in words ("an Anthropic spokesperson"); not with speakerId. */
  speakerDescription?: string | null | undefined;
  topicId: string;
  stance: Stance;
  summary: string;
  quote?: string | null | undefined;
  statedAt?: string | null | undefined;
  statedPrecision: DatePrecision;
  /** The reports it comes from: at least one. */
  sources: CitationInput[];
  confidence?: Confidence | null | undefined;
  /** False records a remark that does not change the actor's stance (default true). */
  changesStance?: boolean | null | undefined;
  citedIncidentIds?: string[] | null | undefined;
}

const QUOTE_MAX_WORDS = 25;

/** The position as its history stores it: its columns, cited incidents and sources. */
export async function positionSnapshot(tx: Queryable, positionId: string): Promise<Record<string, unknown>> {
  const [row] = await tx<{ snapshot: Record<string, unknown> }[]>`
    select to_jsonb(p) - 'search_vector' - 'stated_sort' || jsonb_build_object(
      'cites', array(select incident_id from policy_position_incidents where position_id = p.id order by 1),
      'sources', ${citationSnapshot(tx, 'position', tx`p.id`)}
    ) as snapshot
    from policy_positions p where p.id = ${positionId}
  `;
  return row?.snapshot ?? {};
}

/**
 * Records a position with its sources. A quote must appear word for word in the excerpt of one of them
 * (a paraphrase belongs in the summary). Whether it becomes current follows from its stated date (see
 * policy.ts); a remark recorded with changesStance false never does. The history's first entry and a
 * position_recorded event are written in the same transaction.
 */
export async function recordPolicyPosition(sql: Sql, input: PositionInput, author: Author): Promise<PolicyPositionRow> {
  const summary = check.text('summary', input.summary, { max: 2000 });
  const quote = check.optionalText('quote', input.quote, 200);
  if (quote && quote.split(/\s+/).length > QUOTE_MAX_WORDS) {
    throw new ValidationError('quote', 'max-words', `quote must be a short fragment of at most ${QUOTE_MAX_WORDS} words; put the rest in summary`);
  }
  const speakerDescription = check.optionalText('speakerDescription', input.speakerDescription, 200);
  if (speakerDescription && input.speakerId) {
    throw new ValidationError('speakerDescription', 'one-speaker', 'speakerDescription describes an unnamed speaker; leave it out when speaker names one');
  }
  const stated = check.partialDate('statedAt', input.statedAt, input.statedPrecision);
  const sources = checkCitations('sources', input.sources, 'position');
  if (sources.length === 0) throw new ValidationError('sources', 'required', 'sources: a position cites at least one report');
  if (quote && !quoteIsBacked(quote, sources.map((source) => source.excerpt))) {
    throw new ValidationError(
      'quote',
      'verbatim',
      'quote must appear word for word in the excerpt of one of the sources; put a paraphrase in summary instead',
    );
  }
  const cited = [...new Set(input.citedIncidentIds ?? [])];

  return writeTransaction(sql, async (tx) => {
    const refs = await tx<{ actor: boolean; speaker: boolean; topic: boolean }[]>`
      select
        exists(select 1 from actors where id = ${input.actorId}) as actor,
        ${input.speakerId ? tx`exists(select 1 from actors where id = ${input.speakerId})` : tx`true`} as speaker,
        exists(select 1 from policy_topics where id = ${input.topicId}) as topic
    `;
    const found = refs[0]!;
    if (!found.actor) throw new NotFoundError('actor', `no actor has id ${input.actorId}`);
    if (!found.speaker) throw new NotFoundError('speaker', `no actor has id ${input.speakerId}`);
    if (!found.topic) throw new NotFoundError('topic', `no policy topic has id ${input.topicId}`);
    if (cited.length > 0) {
      const present = await tx<{ id: string }[]>`select id from incidents where id = any(${cited})`;
      const missing = cited.find((id) => !present.some((row) => row.id === id));
      if (missing) throw new NotFoundError('cites', `cites: no incident has id ${missing}`);
    }
    const [row] = await tx<{ id: string }[]>`
      insert into policy_positions (actor_id, speaker_id, speaker_description, topic_id, stance, summary, quote,
        stated_on, stated_precision, confidence, changes_stance)
      values (${input.actorId}, ${input.speakerId ?? null}, ${speakerDescription}, ${input.topicId}, ${input.stance}, ${summary},
        ${quote}, ${stated.date}, ${stated.precision}, ${input.confidence ?? 'medium'}, ${input.changesStance ?? true})
      returning id
    `;
    const id = row!.id;
    await insertCitations(tx, 'sources', 'position', id, sources);
    if (cited.length > 0) {
      await tx`insert into policy_position_incidents ${tx(cited.map((incidentId) => ({ position_id: id, incident_id: incidentId })))}`;
    }
    await appendRecordHistory(tx, 'position', id, 'created', null, await positionSnapshot(tx, id), author);
    const [[position]] = await Promise.all([positionsByIds(tx, [id]), announce(tx, policyPositionTopic, 'position_recorded', [{ id }])]);
    return position!;
  });
}

/** Retracts a position; if it was current, the actor's previous stance on the topic is current again. */
export async function retractPolicyPosition(sql: Sql, positionId: string, author: Author): Promise<PolicyPositionRow> {
  return writeTransaction(sql, async (tx) => {
    const [row] = await tx<{ retracted_at: Date | null }[]>`
      select retracted_at from policy_positions where id = ${positionId} for update
    `;
    if (!row) throw new NotFoundError('id', `no policy position has id ${positionId}`);
    if (row.retracted_at) throw new ValidationError('id', 'not-retracted', 'this position was already retracted');
    const before = await positionSnapshot(tx, positionId);
    await tx`update policy_positions set retracted_at = now() where id = ${positionId}`;
    await appendRecordHistory(tx, 'position', positionId, 'retracted', before, await positionSnapshot(tx, positionId), author);
    const [[position]] = await Promise.all([
      positionsByIds(tx, [positionId]),
      announce(tx, policyPositionTopic, 'position_retracted', [{ id: positionId }]),
    ]);
    return position!;
  });
}
