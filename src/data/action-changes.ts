// Writes of actions: record, update under optimistic concurrency, retract. Each runs in one transaction
// with its history entry and its event.
import type { Queryable, Sql } from '../db/index.js';
import { announce } from '../live/topic.js';
import { actionTopic, type ActionEvent } from '../live/topics/action.js';
import { actionsByIds, type ActionKind, type ActionOutcome, type ActionRow } from './actions.js';
import { checkCitations, citationSnapshot, insertCitations, type CitationInput } from './citations.js';
import { NotFoundError, ValidationError, VersionConflictError } from './errors.js';
import { appendRecordHistory } from './history.js';
import { requireRows, type Author } from './incident-changes.js';
import type { DatePrecision } from './incidents.js';
import { writeTransaction } from './transactions.js';
import * as check from './validate.js';

/** Money at stake as a write gives it: the amount as a decimal string, so nothing is rounded. */
export interface StakeInput {
  amount: string;
  currency: string;
  approximate?: boolean | null | undefined;
  description?: string | null | undefined;
}

/** The fields of an action a client writes. In a patch, absent leaves a field, null clears it. */
export interface ActionFields {
  kind: ActionKind;
  actorId: string;
  speakerId?: string | null | undefined;
  speakerDescription?: string | null | undefined;
  summary: string;
  occurred?: { date?: string | null | undefined; precision: DatePrecision } | null | undefined;
  deadline?: { date?: string | null | undefined; precision?: DatePrecision | null | undefined; stated?: string | null | undefined } | null | undefined;
  threatenedConsequence?: string | null | undefined;
  respondsToId?: string | null | undefined;
  outcome?: ActionOutcome | null | undefined;
  addresseeIds?: string[] | null | undefined;
  topicIds?: string[] | null | undefined;
  citedIncidentIds?: string[] | null | undefined;
  stakes?: StakeInput[] | null | undefined;
  legalInstruments?: Array<{ instrumentId: string; note?: string | null | undefined }> | null | undefined;
  /** Citations to add (on record: at least one). */
  sources?: CitationInput[] | null | undefined;
}

export type ActionPatch = Partial<ActionFields>;

interface ActionColumns {
  kind?: ActionKind;
  actor_id?: string;
  speaker_id?: string | null;
  speaker_description?: string | null;
  summary?: string;
  occurred_on?: string | null;
  occurred_precision?: DatePrecision;
  deadline_on?: string | null;
  deadline_precision?: DatePrecision;
  deadline_text?: string | null;
  threatened_consequence?: string | null;
  responds_to_id?: string | null;
  outcome?: ActionOutcome | null;
}

function columnsOf(fields: ActionPatch): ActionColumns {
  const columns: ActionColumns = {};
  if (fields.kind != null) columns.kind = fields.kind;
  if (fields.actorId != null) columns.actor_id = fields.actorId;
  if (fields.summary !== undefined) columns.summary = check.text('summary', fields.summary ?? '', { max: 2000 });
  const description = fields.speakerDescription === undefined ? undefined : check.optionalText('speakerDescription', fields.speakerDescription, 200);
  if (fields.speakerId && description) {
    throw new ValidationError('speakerDescription', 'one-speaker', 'speakerDescription describes an unnamed speaker; leave it out when speaker names one');
  }
  // Naming a speaker replaces a description, and describing one replaces a name.
  if (fields.speakerId !== undefined) {
    columns.speaker_id = fields.speakerId;
    if (fields.speakerId) columns.speaker_description = null;
  }
  if (description !== undefined) {
    columns.speaker_description = description;
    if (description) columns.speaker_id = null;
  }
  if (fields.occurred !== undefined) {
    const occurred = check.partialDate('occurred', fields.occurred?.date, fields.occurred?.precision ?? 'unknown');
    columns.occurred_on = occurred.date;
    columns.occurred_precision = occurred.precision;
  }
  if (fields.deadline !== undefined) {
    const deadline = fields.deadline;
    const precision = deadline?.precision ?? (deadline?.date ? 'day' : 'unknown');
    const date = check.partialDate('deadline.date', deadline?.date, precision, { future: true });
    columns.deadline_on = date.date;
    columns.deadline_precision = date.precision;
    columns.deadline_text = check.optionalText('deadline.stated', deadline?.stated, 200);
  }
  if (fields.threatenedConsequence !== undefined) {
    columns.threatened_consequence = check.optionalText('threatenedConsequence', fields.threatenedConsequence, 2000);
  }
  if (fields.respondsToId !== undefined) columns.responds_to_id = fields.respondsToId;
  if (fields.outcome !== undefined) columns.outcome = fields.outcome;
  return columns;
}

function stakeRows(actionId: string, stakes: readonly StakeInput[]) {
  if (stakes.length > 20) throw new ValidationError('stakes', 'max-items', 'stakes may hold at most 20 amounts');
  return stakes.map((stake, i) => {
    const amount = stake.amount.trim();
    if (!/^\d{1,18}(\.\d{1,2})?$/.test(amount)) {
      throw new ValidationError(`stakes[${i}].amount`, 'decimal', `stakes[${i}].amount must be a non-negative decimal number such as "200000000" or "12.50"`);
    }
    const currency = stake.currency.trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) {
      throw new ValidationError(`stakes[${i}].currency`, 'iso-4217', `stakes[${i}].currency must be an ISO 4217 code such as "USD"`);
    }
    return {
      action_id: actionId,
      amount,
      currency,
      approximate: stake.approximate ?? false,
      description: check.text(`stakes[${i}].description`, stake.description ?? '', { min: 0, max: 500 }),
    };
  });
}

/** Refuses a respondsTo that does not exist or would make the action answer itself, directly or round a chain. */
async function checkResponse(tx: Queryable, actionId: string | null, respondsToId: string): Promise<void> {
  if (actionId === respondsToId) throw new ValidationError('respondsTo', 'not-self', 'an action cannot respond to itself');
  const chain = await tx<{ id: string }[]>`
    with recursive up as (
      select id, responds_to_id, 0 as depth from actions where id = ${respondsToId}
      union all
      select a.id, a.responds_to_id, up.depth + 1 from actions a join up on a.id = up.responds_to_id where up.depth < 100
    )
    select id::text as id from up
  `;
  if (chain.length === 0) throw new NotFoundError('respondsTo', `respondsTo: no action has id ${respondsToId}`);
  if (actionId && chain.some((row) => row.id === actionId)) {
    throw new ValidationError('respondsTo', 'no-cycle', 'respondsTo would make this action answer itself through the actions it answers');
  }
}

/** Replaces the action's links that are given, and adds the given citations. */
async function writeLinks(tx: Queryable, actionId: string, fields: ActionPatch): Promise<void> {
  if (fields.addresseeIds != null) {
    const ids = [...new Set(fields.addresseeIds)];
    await requireRows(tx, 'actors', ids, 'addressees');
    await tx`delete from action_addressees where action_id = ${actionId}`;
    if (ids.length > 0) await tx`insert into action_addressees ${tx(ids.map((id) => ({ action_id: actionId, actor_id: id })))}`;
  }
  if (fields.topicIds != null) {
    const ids = [...new Set(fields.topicIds)];
    await requireRows(tx, 'policy_topics', ids, 'topics');
    await tx`delete from action_topics where action_id = ${actionId}`;
    if (ids.length > 0) await tx`insert into action_topics ${tx(ids.map((id) => ({ action_id: actionId, topic_id: id })))}`;
  }
  if (fields.citedIncidentIds != null) {
    const ids = [...new Set(fields.citedIncidentIds)];
    await requireRows(tx, 'incidents', ids, 'cites');
    await tx`delete from action_incidents where action_id = ${actionId}`;
    if (ids.length > 0) await tx`insert into action_incidents ${tx(ids.map((id) => ({ action_id: actionId, incident_id: id })))}`;
  }
  if (fields.stakes != null) {
    const rows = stakeRows(actionId, fields.stakes);
    await tx`delete from action_stakes where action_id = ${actionId}`;
    if (rows.length > 0) await tx`insert into action_stakes ${tx(rows)}`;
  }
  if (fields.legalInstruments != null) {
    const rows = [...new Map(fields.legalInstruments.map((l, i) => [l.instrumentId, {
      action_id: actionId,
      legal_instrument_id: l.instrumentId,
      note: check.text(`legalInstruments[${i}].note`, l.note ?? '', { min: 0, max: 500 }),
    }])).values()];
    await requireRows(tx, 'legal_instruments', rows.map((row) => row.legal_instrument_id), 'legalInstruments');
    await tx`delete from action_legal_instruments where action_id = ${actionId}`;
    if (rows.length > 0) await tx`insert into action_legal_instruments ${tx(rows)}`;
  }
  if (fields.sources != null && fields.sources.length > 0) {
    await insertCitations(tx, 'sources', 'action', actionId, checkCitations('sources', fields.sources, 'action'));
  }
}

/** The action as its history stores it: its columns and every link. */
export async function actionSnapshot(tx: Queryable, actionId: string): Promise<Record<string, unknown>> {
  const [row] = await tx<{ snapshot: Record<string, unknown> }[]>`
    select to_jsonb(ac) - 'search_vector' - 'occurred_sort' - 'deadline_sort' - 'deadline_sort_precision' || jsonb_build_object(
      'addressees', array(select actor_id from action_addressees where action_id = ac.id order by 1),
      'topics', array(select topic_id from action_topics where action_id = ac.id order by 1),
      'cites', array(select incident_id from action_incidents where action_id = ac.id order by 1),
      'stakes', (select coalesce(jsonb_agg(jsonb_build_object('amount', amount::text, 'currency', currency,
                   'approximate', approximate, 'description', description) order by id), '[]')
                 from action_stakes where action_id = ac.id),
      'legal_instruments', (select coalesce(jsonb_agg(jsonb_build_object('legal_instrument_id', legal_instrument_id, 'note', note)
                   order by legal_instrument_id), '[]')
                 from action_legal_instruments where action_id = ac.id),
      'sources', ${citationSnapshot(tx, 'action', tx`ac.id`)}
    ) as snapshot
    from actions ac where ac.id = ${actionId}
  `;
  return row?.snapshot ?? {};
}

/** The action as it now is, announced to actionChanged subscribers as `kind`. */
async function finish(tx: Queryable, kind: ActionEvent['kind'], actionId: string): Promise<ActionRow> {
  const [[action]] = await Promise.all([actionsByIds(tx, [actionId]), announce(tx, actionTopic, kind, [{ id: actionId }])]);
  return action!;
}

/** Records an action with its links and at least one source; writes its first history entry and an action_recorded event. */
export async function recordAction(sql: Sql, fields: ActionFields, author: Author): Promise<ActionRow> {
  const columns = columnsOf(fields);
  const sources = checkCitations('sources', fields.sources ?? [], 'action');
  if (sources.length === 0) throw new ValidationError('sources', 'required', 'sources: an action cites at least one report');
  return writeTransaction(sql, async (tx) => {
    await requireRows(tx, 'actors', [fields.actorId], 'actor');
    if (fields.speakerId) await requireRows(tx, 'actors', [fields.speakerId], 'speaker');
    if (fields.respondsToId) await checkResponse(tx, null, fields.respondsToId);
    const [row] = await tx<{ id: string }[]>`insert into actions ${tx({ ...columns })} returning id`;
    const id = row!.id;
    await writeLinks(tx, id, fields);
    await appendRecordHistory(tx, 'action', id, 'created', null, await actionSnapshot(tx, id), author);
    return finish(tx, 'action_recorded', id);
  });
}

/**
 * Applies a patch when `expectedVersion` is still current, otherwise throws VersionConflictError. Lists
 * given replace the stored ones; sources given are added. Writes the history and an action_updated event.
 */
export async function updateAction(
  sql: Sql,
  actionId: string,
  expectedVersion: number,
  patch: ActionPatch,
  author: Author,
): Promise<ActionRow> {
  const columns = columnsOf(patch);
  return writeTransaction(sql, async (tx) => {
    const [current] = await tx<{ version: number; retracted_at: Date | null }[]>`
      select version, retracted_at from actions where id = ${actionId} for update
    `;
    if (!current) throw new NotFoundError('id', `no action has id ${actionId}`);
    if (current.retracted_at) throw new ValidationError('id', 'retracted', 'this action was retracted; record a new one instead');
    if (current.version !== expectedVersion) throw new VersionConflictError(expectedVersion, current.version);
    if (patch.actorId) await requireRows(tx, 'actors', [patch.actorId], 'actor');
    if (patch.speakerId) await requireRows(tx, 'actors', [patch.speakerId], 'speaker');
    if (patch.respondsToId) await checkResponse(tx, actionId, patch.respondsToId);
    const before = await actionSnapshot(tx, actionId);
    // As for incidents: the helper must directly follow `set`, and the new version keeps it non-empty.
    await tx`
      update actions set ${tx({ ...columns, version: current.version + 1 })}, updated_at = now()
      where id = ${actionId}
    `;
    await writeLinks(tx, actionId, patch);
    await appendRecordHistory(tx, 'action', actionId, 'updated', before, await actionSnapshot(tx, actionId), author);
    return finish(tx, 'action_updated', actionId);
  });
}

/** Retracts an action: it stays on record, marked, and leaves every list that does not ask for retracted ones. */
export async function retractAction(sql: Sql, actionId: string, author: Author): Promise<ActionRow> {
  return writeTransaction(sql, async (tx) => {
    const [current] = await tx<{ retracted_at: Date | null }[]>`select retracted_at from actions where id = ${actionId} for update`;
    if (!current) throw new NotFoundError('id', `no action has id ${actionId}`);
    if (current.retracted_at) throw new ValidationError('id', 'not-retracted', 'this action was already retracted');
    const before = await actionSnapshot(tx, actionId);
    await tx`update actions set retracted_at = now(), version = version + 1, updated_at = now() where id = ${actionId}`;
    await appendRecordHistory(tx, 'action', actionId, 'retracted', before, await actionSnapshot(tx, actionId), author);
    return finish(tx, 'action_retracted', actionId);
  });
}

/**
 * Changes what an action cites, inside a write transaction: unless `change` reports that nothing changed,
 * the version goes up, the history records it and an action_updated event goes out.
 */
export async function reviseAction(
  tx: Queryable,
  actionId: string,
  field: string,
  author: Author,
  change: () => Promise<boolean>,
): Promise<boolean> {
  const [current] = await tx<{ retracted_at: Date | null }[]>`select retracted_at from actions where id = ${actionId} for update`;
  if (!current) throw new NotFoundError(field, `${field}: no action has id ${actionId}`);
  const before = await actionSnapshot(tx, actionId);
  if (!(await change())) return false;
  await tx`update actions set version = version + 1, updated_at = now() where id = ${actionId}`;
  await appendRecordHistory(tx, 'action', actionId, 'updated', before, await actionSnapshot(tx, actionId), author);
  await finish(tx, 'action_updated', actionId);
  return true;
}
