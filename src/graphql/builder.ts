import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type { GraphQLError } from 'graphql';
import { hasRole } from '../auth/viewer.js';
import type { GraphQLContext } from './context.js';
import { badInput, decodeGlobalId, encodeGlobalId, forbidden } from './errors.js';
import './sync-global-id.js';

type Measure = 'depth' | 'breadth' | 'complexity';

/** The error for an operation over OPERATION_LIMITS: a 400 naming the measure and the limit. */
export function tooLarge(measure: Measure, result: Record<Measure, number>): GraphQLError {
  return badInput(
    `this operation is too ${measure === 'depth' ? 'deeply nested' : measure === 'breadth' ? 'broad' : 'complex'}: ` +
      `${measure} ${result[measure]} exceeds the limit of ${OPERATION_LIMITS[measure]}; ask for fewer nested lists or smaller pages`,
  );
}

/** The most a single operation may ask for; checked before anything runs (subscriptions: when they start). */
export const OPERATION_LIMITS = { complexity: 20_000, depth: 14, breadth: 600 } as const;

/** The single SchemaBuilder; type files in ./types register themselves on it. It defines no types. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  AuthScopes: { reader: boolean; editor: boolean; admin: boolean };
  Scalars: {
    Date: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date };
    SafeInt: { Input: number; Output: number | string };
  };
  Connection: { totalCount: number | (() => Promise<number>) };
}>({
  // Relay before scope-auth so auth sees parsed global ids (the scope-auth README's advice).
  plugins: [RelayPlugin, ScopeAuthPlugin, ErrorsPlugin, DataloaderPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    encodeGlobalID: encodeGlobalId,
    decodeGlobalID: decodeGlobalId,
    nodeQueryOptions: {
      description: 'Fetches any object by its global id; null when nothing has that id.',
      args: { id: { description: 'A global id, as returned in any `id` field.' } },
    },
    // `nodes` is defined in types/node.ts: the plugin's decodes every id before resolving, so one malformed
    // id failed the whole field.
    nodesQueryOptions: false,
    defaultConnectionTypeOptions: { description: 'One page of a list, with the cursors to fetch the pages around it.' },
    defaultEdgeTypeOptions: { description: 'An item of a page and its cursor.' },
    nodeTypeOptions: { description: 'An object with a global id that `node(id:)` can refetch.' },
    pageInfoTypeOptions: { description: 'Where a page sits in its connection, for cursor pagination.' },
    idFieldOptions: { description: 'Opaque global id; pass it to `node(id:)` to refetch this object.' },
    cursorFieldOptions: { description: 'Opaque cursor of this edge, for `after`/`before`.' },
    nodeFieldOptions: { description: 'The object at this edge.' },
    edgesFieldOptions: { description: 'The page of edges.' },
    pageInfoFieldOptions: { description: 'Pagination state of this page.' },
    hasNextPageFieldOptions: { description: 'True when more items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'True when items precede this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first edge.' },
    endCursorFieldOptions: { description: 'Cursor of the last edge.' },
    firstArgOptions: { description: 'Page size counted from the start (at most 100).' },
    lastArgOptions: { description: 'Page size counted from the end (at most 100).' },
    afterArgOptions: { description: 'Return items after this cursor.' },
    beforeArgOptions: { description: 'Return items before this cursor.' },
  },
  // Every nested list is batched, but a query can still ask for pages of pages of pages: bound the shape of
  // an operation before anything runs. A list multiplies what it contains by 10; the limits leave room for
  // a dashboard's page of incidents with all their links several times over.
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: OPERATION_LIMITS,
    complexityError: (kind, result) =>
      tooLarge(({ Depth: 'depth', Breadth: 'breadth', Complexity: 'complexity' } as const)[kind], result),
  },
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      reader: hasRole(context.viewer, 'reader'),
      editor: hasRole(context.viewer, 'editor'),
      admin: hasRole(context.viewer, 'admin'),
    }),
    unauthorizedError: (_parent, context, info) => forbidden(context.viewer, info.fieldName),
  },
  // Mutations return their payload type directly in a union with the error types they can produce.
  errors: {
    defaultTypes: [],
    directResult: true,
    defaultUnionOptions: { description: 'The mutation\'s result, or the expected failure (a UserError) that stopped it.' },
  },
});
