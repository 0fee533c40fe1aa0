import { changedFields, countHistoryOf, historyOf, type FieldChange, type HistoryRow, type HistoryTarget } from '../../data/history.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { batchLoader } from '../loaders.js';
import { connectionFromRows, nestedPageRequest, type ConnectionArgs } from '../pagination.js';

const FieldChangeRef = builder.objectRef<FieldChange>('FieldChange').implement({
  description: 'One field of a record as it was before a change and after it.',
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The stored field, e.g. "severity", "summary", "sources", "addressees".' }),
    before: t.field({ type: 'JSON', nullable: true, description: 'Its value before; null when it was empty or the record new.', resolve: (c) => c.before }),
    after: t.field({ type: 'JSON', nullable: true, description: 'Its value after; null when emptied.', resolve: (c) => c.after }),
  }),
});

const HistoryEntryRef = builder.objectRef<HistoryRow>('HistoryEntry').implement({
  description: 'One change to a record: who made it, when, and which fields went from what to what.',
  fields: (t) => ({
    change: t.exposeString('change', {
      description: 'What kind of change: "created", "updated", "retracted", "merged" (merged into another incident) or "merged_from".',
    }),
    by: t.exposeString('key_name', {
      nullable: true,
      description: 'The name of the API key that made it; null for changes made outside the API (the seed, a migration).',
    }),
    at: t.field({ type: 'DateTime', description: 'When it was committed.', resolve: (row) => row.created_at }),
    version: t.int({
      nullable: true,
      description: 'The record\'s version after the change (incidents and actions); null for positions, which have none.',
      resolve: (row) => (typeof row.after.version === 'number' ? row.after.version : null),
    }),
    fields: t.field({
      type: [FieldChangeRef],
      description: 'The fields that changed, by name (for a new record: every field it was created with).',
      resolve: (row) => changedFields(row.before, row.after),
    }),
  }),
});

export const HistoryConnection = builder.connectionObject({
  type: HistoryEntryRef,
  name: 'HistoryConnection',
  description: 'A record\'s changes, newest first.',
});

/** The batched load of one record kind's `history` connection. */
export function loadHistory(target: HistoryTarget) {
  return async (ids: string[], context: GraphQLContext, args: ConnectionArgs) => {
    const ordering = { name: `history:${target}`, keyType: 'timestamptz' } as const;
    const rows = await historyOf(context.sql, target, ids, nestedPageRequest(ordering, args));
    const counts = batchLoader(context, `history-counts:${target}`, (keys: readonly string[]) => countHistoryOf(context.sql, target, keys));
    return Promise.all(ids.map((id, i) => connectionFromRows(ordering, args, rows[i] ?? [], () => counts.load(id))));
  };
}
