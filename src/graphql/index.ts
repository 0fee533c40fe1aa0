// Imports every type file for its side effect of registering on the builder, then builds the schema.
import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './types/scalars.js';
import './types/dates.js';
import './types/errors.js';
import './types/connection.js';
import './types/live-event.js';
import './types/incident.js';
import './types/report.js';
import './types/actor.js';
import './types/ai-system.js';
import './types/technique.js';
import './types/api-key.js';
import './types/policy-position.js';
import './types/policy-topic.js';
import './types/search.js';
import './types/incident-facets.js';
import './types/timeline.js';
import './types/region.js';
import './types/node.js';
import './types/stance-summary.js';
import './types/citation.js';
import './types/history.js';
import './types/action.js';
import './types/legal-instrument.js';
import './types/incident-link.js';

builder.queryType({ description: 'Reads: open to everyone unless the server requires reader keys.' });
builder.mutationType({ description: 'Writes: each needs an API key with the editor role (admin for key management), runs in one transaction, and returns its result or a typed error.' });
builder.subscriptionType({ description: 'Live events over graphql-ws (WebSocket) or SSE, resumable with the cursor of the last event received.' });

/** The executable schema. */
export const schema: GraphQLSchema = builder.toSchema({ sortSchema: true });

/** The schema as printed to schema/schema.graphql: sorted, so diffs show real changes only. */
export function sortedSchema(): GraphQLSchema {
  return lexicographicSortSchema(schema);
}
