import { clearAllDataLoaders } from '@pothos/plugin-dataloader';
import DataLoader from 'dataloader';
import type { GraphQLContext } from './context.js';

const loaders = new WeakMap<GraphQLContext, Map<string, DataLoader<unknown, unknown>>>();

/**
 * A request-scoped DataLoader for batches that are not a field of their own (the lazy totalCount of a
 * nested connection, for one): every call with the same name in one request joins one batch.
 */
export function batchLoader<K, V>(
  context: GraphQLContext,
  name: string,
  load: (keys: readonly K[]) => Promise<readonly V[]>,
): DataLoader<K, V> {
  let byName = loaders.get(context);
  if (!byName) {
    byName = new Map();
    loaders.set(context, byName);
  }
  let loader = byName.get(name) as DataLoader<K, V> | undefined;
  if (!loader) {
    loader = new DataLoader<K, V>(load);
    byName.set(name, loader as DataLoader<unknown, unknown>);
  }
  return loader;
}

/**
 * Forgets every loader of a context. A subscription keeps one context for its whole life; each event must
 * resolve nested fields against current data, not what an earlier event cached.
 */
export function freshLoaders(context: GraphQLContext): void {
  loaders.delete(context);
  clearAllDataLoaders(context);
}
