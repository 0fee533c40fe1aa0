// Pothos's relay plugin resolves every `t.globalID` field (each node's `id`) through an async function, so
// every `id` in a response is a promise, and graphql-js then completes every object that has an `id`, and
// every list of them, on its slower asynchronous path. Faultline's ids are plain columns: this replaces the
// plugin's `globalID` with one that stays synchronous unless the id resolver itself returns a promise, and
// encodes exactly as the plugin does with our `encodeGlobalID` (test/relay.test.ts checks ids round-trip).
import { RootFieldBuilder, completeValue } from '@pothos/core';
import '@pothos/plugin-relay';
import { encodeGlobalId } from './errors.js';

type GlobalIdResult = { type: unknown; id: unknown } | null | undefined;
type GlobalIdOptions = { resolve: (...args: unknown[]) => GlobalIdResult | Promise<GlobalIdResult> } & Record<string, unknown>;
type Builder = { configStore: { getTypeConfig(ref: unknown): { name: string } } };

const prototype = RootFieldBuilder.prototype as unknown as Record<string, unknown>;
if (typeof prototype.globalID !== 'function') throw new Error('@pothos/plugin-relay must be loaded before sync-global-id');

prototype.globalID = function globalID(
  this: { field(options: Record<string, unknown>): unknown; builder: Builder },
  { resolve, ...options }: GlobalIdOptions,
) {
  return this.field({
    ...options,
    type: 'ID',
    resolve: (...args: unknown[]) =>
      completeValue(resolve(...args), (result) =>
        result && typeof result === 'object' ? encodeGlobalId(this.builder.configStore.getTypeConfig(result.type).name, String(result.id)) : result,
      ),
  });
};
