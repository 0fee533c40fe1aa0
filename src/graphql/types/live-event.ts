import type { Delivered } from '../../events/topic.js';
import { builder } from '../builder.js';

/** What every subscription event has: its cursor and when it was committed. */
export const LiveEventInterface = builder.interfaceRef<Delivered>('LiveEvent').implement({
  description: 'An event of a subscription. Events arrive in commit order, each once; resubscribe with `after: cursor` to resume right after one.',
  fields: (t) => ({
    cursor: t.exposeString('cursor', {
      description: 'Pass it as `after` when resubscribing (over SSE it is also the message id, sent back as Last-Event-ID) to resume right after this event.',
    }),
    occurredAt: t.field({ type: 'DateTime', description: 'When the change was committed.', resolve: (event) => event.event.created_at }),
  }),
});
