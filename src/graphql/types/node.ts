// `nodes(ids:)` answers id by id. The relay plugin's own field decodes every id as an argument before
// anything runs, so a single malformed id failed the field and, the field being non-null, the whole
// response. Here each id is decoded on its own: one that cannot be (malformed, or of no type that has
// nodes) becomes null with an error at its index, `["nodes", 1]`; the others load as the plugin loads them,
// one batched statement per type.
import { resolveNodes } from '@pothos/plugin-relay';
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { decodeGlobalId } from '../errors.js';

type ParseId = (id: string, context: GraphQLContext) => unknown;

/** The decoded id, or the error that says why it cannot be (no HTTP status: the rest of the answer stands). */
function decodeNodeId(raw: string, index: number, context: GraphQLContext, info: GraphQLResolveInfo): { typename: string; id: unknown } | GraphQLError {
  const invalid = (why: string) =>
    new GraphQLError(`ids[${index}]: ${why}`, { extensions: { code: 'BAD_USER_INPUT', argument: `ids[${index}]` } });
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalId(raw);
  } catch {
    return invalid(`"${raw.slice(0, 100)}" is not a valid id`);
  }
  const type = info.schema.getType(decoded.typename);
  const nodeInterface = info.schema.getType('Node');
  if (!type || !nodeInterface || !('getInterfaces' in type) || !type.getInterfaces().some((i) => i.name === nodeInterface.name)) {
    return invalid(`"${raw.slice(0, 100)}" is not the id of anything nodes can fetch`);
  }
  const parse = type.extensions.pothosParseGlobalID as ParseId | undefined;
  try {
    return { typename: decoded.typename, id: parse ? parse(decoded.id, context) : decoded.id };
  } catch {
    return invalid(`"${raw.slice(0, 100)}" is not a valid id`);
  }
}

builder.queryField('nodes', (t) =>
  t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description:
      'Fetches objects by global ids, in the order given: null where nothing has that id, and null with an error at that index (path ["nodes", i]) for an id that is malformed; the other ids are answered all the same.',
    args: { ids: t.arg.idList({ required: true, description: 'Global ids, as returned in `id` fields.' }) },
    resolve: async (_root, args, context, info) => {
      const decoded = args.ids.map((raw, index) => decodeNodeId(String(raw), index, context, info));
      const loaded = await resolveNodes(
        builder,
        context,
        info,
        decoded.map((entry) => (entry instanceof GraphQLError ? null : entry)),
      );
      // graphql-js completes an Error in a list as that item's error, located at its index.
      return decoded.map((entry, index) => (entry instanceof GraphQLError ? entry : loaded[index])) as unknown[];
    },
  }),
);
