import { builder } from '../builder.js';

// Every connection reports its size. Resolvers hand over a function so the count query only runs when a
// client actually selects totalCount.
builder.globalConnectionField('totalCount', (t) =>
  t.int({
    description: 'How many items the whole list holds (ignoring first/after/last/before).',
    resolve: (connection) => (typeof connection.totalCount === 'function' ? connection.totalCount() : connection.totalCount),
  }),
);
