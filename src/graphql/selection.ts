import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/** Calls `visit` on every field of a selection set, looking through inline fragments and fragment spreads. */
function eachField(info: GraphQLResolveInfo, set: SelectionSetNode, visit: (name: string, selection: SelectionSetNode | undefined) => void): void {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) visit(selection.name.value, selection.selectionSet);
    else if (selection.kind === Kind.INLINE_FRAGMENT) eachField(info, selection.selectionSet, visit);
    else {
      const fragment = info.fragments[selection.name.value];
      if (fragment) eachField(info, fragment.selectionSet, visit);
    }
  }
}

/**
 * The names of the fields the operation selects at `path` below the field being resolved (e.g.
 * `['edges', 'node']` for the items of a connection), wherever fragments put them. A superset: fields under
 * @skip/@include or a fragment on another type count as selected, so a caller that fetches ahead on it may
 * fetch something unused, never miss something used.
 */
export function selectedFields(info: GraphQLResolveInfo, path: readonly string[]): Set<string> {
  let sets = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const name of path) {
    const next: SelectionSetNode[] = [];
    for (const set of sets) {
      eachField(info, set, (field, selection) => {
        if (field === name && selection) next.push(selection);
      });
    }
    sets = next;
  }
  const names = new Set<string>();
  for (const set of sets) eachField(info, set, (field) => names.add(field));
  return names;
}
