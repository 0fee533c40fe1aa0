import { recordAction, retractAction, updateAction, type ActionPatch } from '../../data/action-changes.js';
import {
  ACTION_ACTOR_ROLES,
  ACTION_KINDS,
  ACTION_OUTCOMES,
  actionsOf,
  addresseesOfActions,
  countActions,
  countActionsOf,
  instrumentsOfActions,
  listActions,
  responsesToActions,
  stakesOfActions,
  topicsOfActions,
  type ActionActorRole,
  type ActionFilter,
  type ActionKind,
  type ActionOutcome,
  type ActionParent,
  type ActionRow,
  type InvokedInstrumentRow,
  type StakeRow,
} from '../../data/actions.js';
import { VersionConflictError } from '../../data/errors.js';
import { linksOfActions } from '../../data/incident-links.js';
import { incidentsCitedBy } from '../../data/incidents.js';
import type { Delivered } from '../../events/topic.js';
import { actionTopic, parseActionFilter, type ActionChange, type ActionEvent } from '../../live/topics/action.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { badInput, parseId } from '../errors.js';
import { liveEvent, subscribeTopic } from '../live.js';
import { batchLoader } from '../loaders.js';
import { connectionFromRows, keysetConnection, nestedPageRequest, type ConnectionArgs } from '../pagination.js';
import { ActionRef, ActorRef, CitationRef, IncidentLinkRef, IncidentRef, LegalInstrumentRef, PolicyTopicRef } from '../refs.js';
import { parseSearchText } from '../search-text.js';
import { CitationInputType, SOURCES_DESCRIPTION, citationsFor, parseCitations } from './citation.js';
import { DatePrecisionEnum, PartialDateRef, displayPartialDate } from './dates.js';
import { WRITE_ERRORS } from './errors.js';
import { HistoryConnection, loadHistory } from './history.js';
import { LiveEventInterface } from './live-event.js';

const KIND_DESCRIPTIONS: Record<ActionKind, string> = {
  demand: 'Asked something of someone.',
  ultimatum: 'A demand with a deadline and a threatened consequence.',
  refusal: 'Declined what was asked.',
  statement: 'Said something on the record (including through an unnamed spokesperson or official).',
  negotiation: 'Negotiated, or took part in talks.',
  contract: 'Entered, changed or ended a contract.',
  sanction: 'Imposed a penalty, exclusion or restriction.',
  other: 'Anything else a stakeholder did.',
};

export const ActionKindEnum = builder.enumType('ActionKind', {
  description: 'What kind of thing a stakeholder did.',
  values: Object.fromEntries(ACTION_KINDS.map((value) => [value.toUpperCase(), { value, description: KIND_DESCRIPTIONS[value] }])) as Record<
    Uppercase<ActionKind>,
    { value: ActionKind; description: string }
  >,
});

const OUTCOME_DESCRIPTIONS: Record<ActionOutcome, string> = {
  pending: 'Not resolved (yet), as far as the sources go.',
  met: 'What was asked was done.',
  refused: 'What was asked was refused.',
  lapsed: 'The deadline passed without it being met or the threat carried out.',
  withdrawn: 'The one who made it withdrew it.',
};

export const ActionOutcomeEnum = builder.enumType('ActionOutcome', {
  description: 'How a demand or ultimatum was answered, as the sources report it.',
  values: Object.fromEntries(ACTION_OUTCOMES.map((value) => [value.toUpperCase(), { value, description: OUTCOME_DESCRIPTIONS[value] }])) as Record<
    Uppercase<ActionOutcome>,
    { value: ActionOutcome; description: string }
  >,
});

export const ActionActorRoleEnum = builder.enumType('ActionActorRole', {
  description: 'How an actor took part in an action.',
  values: {
    ACTOR: { value: 'actor', description: 'It acted.' },
    SPEAKER: { value: 'speaker', description: 'It spoke for the actor.' },
    ADDRESSEE: { value: 'addressee', description: 'It was addressed.' },
  } satisfies Record<string, { value: ActionActorRole; description: string }>,
});

const MoneyRef = builder.objectRef<StakeRow>('Money').implement({
  description: 'An amount of money at stake, as the sources give it.',
  fields: (t) => ({
    amount: t.exposeString('amount', { description: 'The amount as a decimal string (exact; no float rounding), e.g. "200000000.00".' }),
    currency: t.exposeString('currency', { description: 'ISO 4217 code, e.g. "USD".' }),
    approximate: t.exposeBoolean('approximate', { description: 'True when the sources give it as an estimate ("about $200 million").' }),
    description: t.exposeString('description', { description: 'What the money is, e.g. "a contract"; may be empty.' }),
    display: t.string({
      description: 'As it reads: "about USD 200,000,000".',
      resolve: (stake) => {
        const [whole, cents] = stake.amount.split('.');
        const grouped = BigInt(whole ?? '0').toLocaleString('en-US');
        const fraction = cents && !/^0+$/.test(cents) ? `.${cents}` : '';
        return `${stake.approximate ? 'about ' : ''}${stake.currency} ${grouped}${fraction}`;
      },
    }),
  }),
});

const InvokedInstrumentRef = builder.objectRef<InvokedInstrumentRow>('InvokedLegalInstrument').implement({
  description: 'A legal instrument as an action invokes it.',
  fields: (t) => ({
    instrument: t.field({ type: LegalInstrumentRef, description: 'The instrument.', resolve: (row) => row.instrument }),
    note: t.exposeString('note', { description: 'How it was invoked, e.g. "possible invocation threatened"; may be empty.' }),
  }),
});

/** An action seen as its deadline; `deadline_of` marks it so when it stands alone (on the timeline). */
export type DeadlineShape = ActionRow & { deadline_of?: string };

export const DeadlineRef = builder.objectRef<DeadlineShape>('Deadline').implement({
  description:
    'The deadline an action sets, as the sources give it: a date to its precision, the words they use ("by Friday"), or both. A date is never worked out from the words.',
  fields: (t) => ({
    date: t.field({
      type: PartialDateRef,
      description: 'The deadline\'s date; UNKNOWN when the sources give only words.',
      resolve: (row) => ({ date: row.deadline_on, precision: row.deadline_precision }),
    }),
    stated: t.exposeString('deadline_text', { nullable: true, description: 'The deadline in the sources\' terms, e.g. "by Friday".' }),
    display: t.string({
      description: 'As it reads: the words the sources use, with the date when known.',
      resolve: (row) => {
        const date = displayPartialDate({ date: row.deadline_on, precision: row.deadline_precision });
        if (!row.deadline_text) return date;
        return date === 'unknown' ? `${row.deadline_text} (date not given)` : `${row.deadline_text} (${date})`;
      },
    }),
    action: t.field({ type: ActionRef, description: 'The action that set it.', resolve: (row) => row }),
  }),
});

ActionRef.implement({
  description:
    'Something a stakeholder did, as its sources report it: a demand, ultimatum, refusal, statement, negotiation, contract or sanction, with who did it to whom, when, under what deadline, threat, stake and law, what it answered, and how it stands.',
  fields: (t) => ({
    kind: t.field({ type: ActionKindEnum, description: 'What kind of action.', resolve: (row) => row.kind }),
    actor: t.field({ type: ActorRef, description: 'Who acted.', resolve: (row) => row.actor_id }),
    speaker: t.field({
      type: ActorRef,
      nullable: true,
      description: 'The person who spoke or acted for the actor, when the sources name one.',
      resolve: (row) => row.speaker_id,
    }),
    speakerDescription: t.exposeString('speaker_description', {
      nullable: true,
      description: 'A speaker the sources describe without naming ("a Pentagon official"); null when named or when the sources give no speaker.',
    }),
    addressees: t.loadableList({
      type: ActorRef,
      description: 'To whom it was addressed (organisations before people); empty when the sources do not say.',
      load: (ids: string[], context) => addresseesOfActions(context.sql, ids),
      resolve: (row) => row.id,
    }),
    summary: t.exposeString('summary', { description: 'What was done or said, in Faultline\'s words.' }),
    occurred: t.field({
      type: PartialDateRef,
      description: 'When it happened, as precisely as the sources give it.',
      resolve: (row) => ({ date: row.occurred_on, precision: row.occurred_precision }),
    }),
    deadline: t.field({
      type: DeadlineRef,
      nullable: true,
      description: 'The deadline it set; null when it set none.',
      resolve: (row) => (row.deadline_on || row.deadline_text ? row : null),
    }),
    threatenedConsequence: t.exposeString('threatened_consequence', {
      nullable: true,
      description: 'What was threatened if it was not met, in Faultline\'s words; null when nothing was.',
    }),
    stakes: t.loadableList({
      type: MoneyRef,
      description: 'Money at stake, as the sources give it.',
      load: (ids: string[], context) => stakesOfActions(context.sql, ids),
      resolve: (row) => row.id,
    }),
    legalInstruments: t.loadableList({
      type: InvokedInstrumentRef,
      description: 'The laws or orders it invokes, and how.',
      load: (ids: string[], context) => instrumentsOfActions(context.sql, ids),
      resolve: (row) => row.id,
    }),
    respondsTo: t.field({
      type: ActionRef,
      nullable: true,
      description: 'The action it answers, when the sources say it answers one.',
      resolve: (row) => row.responds_to_id,
    }),
    responses: t.loadableList({
      type: ActionRef,
      description: 'The actions that answer it, in date order (retracted ones left out).',
      load: (ids: string[], context) => responsesToActions(context.sql, ids),
      resolve: (row) => row.id,
    }),
    outcome: t.field({
      type: ActionOutcomeEnum,
      nullable: true,
      description: 'How it was answered, as the sources report it; null when it asks nothing of anyone or the sources do not say.',
      resolve: (row) => row.outcome,
    }),
    topics: t.loadableList({
      type: PolicyTopicRef,
      description: 'The policy topics it concerns (Faultline\'s classification).',
      load: (ids: string[], context) => topicsOfActions(context.sql, ids),
      resolve: (row) => row.id,
    }),
    citedIncidents: t.loadableList({
      type: IncidentRef,
      description: 'Incidents it cites (only those its sources say it cites).',
      load: (ids: string[], context) => incidentsCitedBy(context.sql, 'action', ids),
      resolve: (row) => row.id,
    }),
    linkedIncidents: t.loadableList({
      type: IncidentLinkRef,
      description: 'Incidents a source sets beside this action (DISCUSSED_ALONGSIDE links), each with who does so.',
      load: (ids: string[], context) => linksOfActions(context.sql, ids),
      resolve: (row) => row.id,
    }),
    sources: t.field({
      type: [CitationRef],
      description: SOURCES_DESCRIPTION,
      resolve: (row, _args, context) => citationsFor(context, 'action', row.id),
    }),
    version: t.exposeInt('version', { description: 'Increases with every change; send it back as expectedVersion.' }),
    retractedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was retracted (recorded in error); null while it stands.',
      resolve: (row) => row.retracted_at,
    }),
    createdAt: t.field({ type: 'DateTime', description: 'When Faultline recorded it.', resolve: (row) => row.created_at }),
    updatedAt: t.field({ type: 'DateTime', description: 'When the record last changed.', resolve: (row) => row.updated_at }),
    history: t.loadable({
      type: HistoryConnection,
      description: 'Every change to this action, newest first: who (the key\'s name), when, which fields from what to what.',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: loadHistory('action'),
      resolve: (row) => row.id,
    }),
  }),
});

export const ActionsConnection = builder.connectionObject({
  type: ActionRef,
  name: 'ActionsConnection',
  description: 'Actions, most recent first (undated ones last).',
});

/** What the nested `actions` fields take besides the connection arguments. */
export interface NestedActionArgs extends ConnectionArgs {
  kind?: ActionKind[] | null | undefined;
  outcome?: ActionOutcome[] | null | undefined;
  includeRetracted?: boolean | null | undefined;
}

/** The batched load of a nested `actions` connection under actors, topics or legal instruments. */
export function loadActionsOf<A extends NestedActionArgs>(name: string, parentOf: (args: A) => ActionParent) {
  return async (ids: string[], context: GraphQLContext, args: A) => {
    const parent = parentOf(args);
    const filter: ActionFilter = {
      kinds: args.kind ?? undefined,
      outcomes: args.outcome ?? undefined,
      includeRetracted: args.includeRetracted ?? false,
    };
    const ordering = { name: `${name}-actions`, keyType: 'date' } as const;
    const rows = await actionsOf(context.sql, parent, ids, filter, nestedPageRequest(ordering, args));
    const key = JSON.stringify([name, parent, filter]);
    const counts = batchLoader(context, `action-counts:${key}`, (keys: readonly string[]) => countActionsOf(context.sql, parent, keys, filter));
    return Promise.all(ids.map((id, i) => connectionFromRows(ordering, args, rows[i] ?? [], () => counts.load(id))));
  };
}

/** Parses the roles argument of Actor.actions (all roles when absent). */
export function actorRoles(roles: readonly ActionActorRole[] | null | undefined): readonly ActionActorRole[] {
  if (roles && roles.length === 0) throw badInput('roles must name at least one role', 'roles');
  return roles ?? ACTION_ACTOR_ROLES;
}

const ActionFilterInput = builder.inputType('ActionFilter', {
  description: 'Narrows an action list; all given conditions must hold.',
  fields: (t) => ({
    actor: t.id({ description: 'Actions of this actor.' }),
    addressee: t.id({ description: 'Actions addressed to this actor.' }),
    topic: t.id({ description: 'Actions on this policy topic.' }),
    legalInstrument: t.id({ description: 'Actions invoking this legal instrument.' }),
    kind: t.field({ type: [ActionKindEnum], description: 'Any of these kinds.' }),
    outcome: t.field({ type: [ActionOutcomeEnum], description: 'Any of these outcomes.' }),
    from: t.field({ type: 'Date', description: 'Actions whose period reaches this date or later.' }),
    to: t.field({ type: 'Date', description: 'Actions whose period starts on or before this date.' }),
    search: t.string({
      description: 'Full-text search over summary, threatened consequence, deadline and speaker (English and Spanish, accents ignored; "phrase", OR, -excluded).',
    }),
    includeRetracted: t.boolean({ defaultValue: false, description: 'Include retracted actions.' }),
  }),
});

builder.queryFields((t) => ({
  actions: t.connection({
    type: ActionRef,
    description: 'Actions stakeholders took (demands, ultimatums, refusals, statements...), most recent first; undated ones last.',
    args: { filter: t.arg({ type: ActionFilterInput, description: 'Conditions every action must meet.' }) },
    resolve: (_root, args, context) => {
      const f = args.filter;
      if (f?.from && f.to && f.from > f.to) throw badInput(`filter.from (${f.from}) is after filter.to (${f.to})`, 'filter.from');
      const filter: ActionFilter = {
        actorId: f?.actor ? parseId(f.actor, 'Actor', 'filter.actor') : undefined,
        addresseeId: f?.addressee ? parseId(f.addressee, 'Actor', 'filter.addressee') : undefined,
        topicId: f?.topic ? parseId(f.topic, 'PolicyTopic', 'filter.topic') : undefined,
        legalInstrumentId: f?.legalInstrument ? parseId(f.legalInstrument, 'LegalInstrument', 'filter.legalInstrument') : undefined,
        kinds: f?.kind ?? undefined,
        outcomes: f?.outcome ?? undefined,
        from: f?.from ?? undefined,
        to: f?.to ?? undefined,
        search: parseSearchText(f?.search, 'filter.search'),
        includeRetracted: f?.includeRetracted ?? false,
      };
      return keysetConnection(
        { name: 'actions', keyType: 'date' },
        args,
        (page) => listActions(context.sql, filter, page),
        () => countActions(context.sql, filter),
      );
    },
  }),
}));

// ---- Writes -------------------------------------------------------------------------------------------

const ActionDateInput = builder.inputType('ActionDateInput', {
  description: 'When an action happened. Month and year dates are stored as the first day of their period.',
  fields: (t) => ({
    date: t.field({ type: 'Date', description: 'The date; required unless precision is UNKNOWN.' }),
    precision: t.field({ type: DatePrecisionEnum, required: true, description: 'How precisely the sources date it.' }),
  }),
});

const DeadlineInput = builder.inputType('DeadlineInput', {
  description: 'A deadline as the sources give it: a date, their words, or both. Do not work out a date from words like "by Friday".',
  fields: (t) => ({
    date: t.field({ type: 'Date', description: 'The deadline\'s date, when the sources give one (it may lie in the future).' }),
    precision: t.field({ type: DatePrecisionEnum, description: 'Precision of date (default DAY when a date is given).' }),
    stated: t.string({ description: 'The deadline in the sources\' terms, e.g. "by Friday" (up to 200 characters).' }),
  }),
});

const MoneyInput = builder.inputType('MoneyInput', {
  description: 'An amount at stake.',
  fields: (t) => ({
    amount: t.string({ required: true, description: 'Decimal amount as a string, e.g. "200000000".' }),
    currency: t.string({ required: true, description: 'ISO 4217 code, e.g. "USD".' }),
    approximate: t.boolean({ description: 'True when the sources give an estimate ("about").' }),
    description: t.string({ description: 'What the money is, e.g. "a contract".' }),
  }),
});

const InvokedInstrumentInput = builder.inputType('InvokedLegalInstrumentInput', {
  description: 'A legal instrument an action invokes.',
  fields: (t) => ({
    instrument: t.id({ required: true, description: 'The legal instrument.' }),
    note: t.string({ description: 'How it was invoked, e.g. "possible invocation threatened".' }),
  }),
});

const actionInputFields = (create: boolean) =>
  builder.inputType(create ? 'RecordActionInput' : 'ActionPatch', {
    description: create
      ? 'An action with the reports it comes from. Give what the sources give: an unknown speaker, addressee, date or deadline stays out.'
      : 'Changes to an action: only fields given change, null clears one; lists given replace the stored ones; sources given are added.',
    fields: (t) => ({
      kind: t.field({ type: ActionKindEnum, required: create, description: 'What kind of action.' }),
      actor: t.id({ required: create, description: 'Who acted.' }),
      speaker: t.id({ description: 'The person who spoke for the actor, when the sources name one.' }),
      speakerDescription: t.string({ description: 'A speaker the sources describe without naming ("a Pentagon official"); not with speaker.' }),
      addressees: t.idList({ description: 'To whom it was addressed.' }),
      summary: t.string({ required: create, description: 'What was done or said, in your own words (1-2000 characters).' }),
      occurred: t.field({ type: ActionDateInput, description: 'When it happened.' }),
      deadline: t.field({ type: DeadlineInput, description: 'The deadline it set.' }),
      threatenedConsequence: t.string({ description: 'What was threatened, in your own words (up to 2000 characters).' }),
      stakes: t.field({ type: [MoneyInput], description: 'Money at stake.' }),
      legalInstruments: t.field({ type: [InvokedInstrumentInput], description: 'Laws or orders invoked.' }),
      respondsTo: t.id({ description: 'The action it answers.' }),
      outcome: t.field({ type: ActionOutcomeEnum, description: 'How it was answered, when the sources say (leave out otherwise).' }),
      topics: t.idList({ description: 'Policy topics it concerns.' }),
      cites: t.idList({ description: 'Incidents it cites (only those its sources say it cites).' }),
      sources: t.field({ type: [CitationInputType], required: create, description: 'The reports it comes from (at least one on record).' }),
    }),
  });

const RecordActionInput = actionInputFields(true);
const ActionPatchInput = actionInputFields(false);

type ActionInputShape = typeof ActionPatchInput.$inferInput;

function toActionPatch(input: ActionInputShape): ActionPatch {
  const patch: ActionPatch = {
    kind: input.kind ?? undefined,
    actorId: input.actor ? parseId(input.actor, 'Actor', 'actor') : undefined,
    speakerId: input.speaker === undefined ? undefined : input.speaker === null ? null : parseId(input.speaker, 'Actor', 'speaker'),
    speakerDescription: input.speakerDescription,
    addresseeIds: input.addressees?.map((id, i) => parseId(id, 'Actor', `addressees[${i}]`)),
    occurred: input.occurred === undefined ? undefined : input.occurred,
    deadline: input.deadline === undefined ? undefined : input.deadline,
    threatenedConsequence: input.threatenedConsequence,
    stakes: input.stakes ?? undefined,
    legalInstruments: input.legalInstruments?.map((l, i) => ({
      instrumentId: parseId(l.instrument, 'LegalInstrument', `legalInstruments[${i}].instrument`),
      note: l.note,
    })),
    respondsToId: input.respondsTo === undefined ? undefined : input.respondsTo === null ? null : parseId(input.respondsTo, 'Action', 'respondsTo'),
    outcome: input.outcome,
    topicIds: input.topics?.map((id, i) => parseId(id, 'PolicyTopic', `topics[${i}]`)),
    citedIncidentIds: input.cites?.map((id, i) => parseId(id, 'Incident', `cites[${i}]`)),
    sources: input.sources ? parseCitations(input.sources, 'sources') : undefined,
  };
  if (input.summary !== undefined) patch.summary = input.summary ?? '';
  return patch;
}

builder.mutationFields((t) => ({
  recordAction: t.field({
    type: ActionRef,
    description: 'Records an action with its sources and announces it to actionChanged subscribers. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: { input: t.arg({ type: RecordActionInput, required: true, description: 'The action.' }) },
    resolve: (_root, { input }, context) => {
      const patch = toActionPatch(input);
      return recordAction(
        context.sql,
        { ...patch, kind: patch.kind!, actorId: patch.actorId!, summary: patch.summary ?? '' },
        { keyId: context.viewer.keyId },
      );
    },
  }),
  updateAction: t.field({
    type: ActionRef,
    description: 'Changes an action if it is still at expectedVersion; otherwise returns VersionConflict. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: [...WRITE_ERRORS, VersionConflictError] },
    args: {
      id: t.arg.id({ required: true, description: 'The action.' }),
      expectedVersion: t.arg.int({ required: true, description: 'The version you read (Action.version).' }),
      patch: t.arg({ type: ActionPatchInput, required: true, description: 'The changes.' }),
    },
    resolve: (_root, args, context) =>
      updateAction(context.sql, parseId(args.id, 'Action', 'id'), args.expectedVersion, toActionPatch(args.patch), {
        keyId: context.viewer.keyId,
      }),
  }),
  retractAction: t.field({
    type: ActionRef,
    description: 'Retracts an action recorded in error: it stays on record, marked, and leaves lists that do not ask for retracted ones. Needs an editor key.',
    authScopes: { editor: true },
    errors: { types: WRITE_ERRORS },
    args: { id: t.arg.id({ required: true, description: 'The action.' }) },
    resolve: (_root, args, context) => retractAction(context.sql, parseId(args.id, 'Action', 'id'), { keyId: context.viewer.keyId }),
  }),
}));

// ---- Live ---------------------------------------------------------------------------------------------

const ActionChangeEnum = builder.enumType('ActionChange', {
  description: 'What happened to an action.',
  values: {
    RECORDED: { value: 'recorded', description: 'It was recorded.' },
    UPDATED: { value: 'updated', description: 'Its fields, links or sources changed (a new outcome, say).' },
    RETRACTED: { value: 'retracted', description: 'It was retracted.' },
  } as const satisfies Record<string, { value: ActionChange; description: string }>,
});

const ActionChangedEventRef = builder.objectRef<Delivered<ActionChange, ActionRow, ActionEvent>>('ActionChangedEvent').implement({
  description: 'An action was recorded, changed or retracted.',
  interfaces: [LiveEventInterface],
  fields: (t) => ({
    change: t.field({ type: ActionChangeEnum, description: 'What happened.', resolve: (event) => event.change }),
    action: t.field({
      type: ActionRef,
      description: 'The action as this event announced it (what it links to, as it is now).',
      resolve: (event) => event.payload ?? event.event.entity_id,
    }),
    actionNow: t.field({
      type: ActionRef,
      nullable: true,
      description: 'The action as it is now.',
      resolve: (event) => event.event.entity_id,
    }),
  }),
});

const ActionChangedFilter = builder.inputType('ActionChangedFilter', {
  description: 'Which action changes to receive; all given conditions must hold.',
  fields: (t) => ({
    actor: t.id({ description: 'Actions of this actor (acting, or speaking for the actor).' }),
    addressee: t.id({ description: 'Actions addressed to this actor.' }),
    topic: t.id({ description: 'Actions on this topic.' }),
    kind: t.field({ type: [ActionKindEnum], description: 'Actions of any of these kinds.' }),
    changes: t.field({ type: [ActionChangeEnum], description: 'Only these changes (default all).' }),
  }),
});

builder.subscriptionFields((t) => ({
  actionChanged: t.field({
    type: ActionChangedEventRef,
    description:
      'Every action recorded, changed or retracted, as it commits. With `after`, first replays what happened after that cursor, then continues live with no gap.',
    args: {
      filter: t.arg({ type: ActionChangedFilter, description: 'Which changes to receive.' }),
      after: t.arg.string({ description: 'Resume after this event cursor.' }),
    },
    subscribe: (_root, args, context) =>
      subscribeTopic(
        context,
        actionTopic,
        () =>
          parseActionFilter({
            actorId: args.filter?.actor ? parseId(args.filter.actor, 'Actor', 'filter.actor') : undefined,
            addresseeId: args.filter?.addressee ? parseId(args.filter.addressee, 'Actor', 'filter.addressee') : undefined,
            topicId: args.filter?.topic ? parseId(args.filter.topic, 'PolicyTopic', 'filter.topic') : undefined,
            kinds: args.filter?.kind ?? undefined,
            changes: args.filter?.changes ?? undefined,
          }),
        args.after,
      ),
    resolve: liveEvent,
  }),
}));
