// What an operation may be, checked before it runs and cheaply: while parsing (tokens, nesting), while
// validating (depth, aliases and directives, introspection included), and on its values (list lengths,
// NUL characters, nesting of variables). The complexity plugin (builder.ts) then bounds what the schema's own
// fields multiply; these bound the rest, which it never sees: introspection, aliases, and argument values.
// GraphQL Armor's rules do the counting; what it has no rule for is here.
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type ASTNode,
  type ASTVisitor,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { badInput } from './errors.js';

/** The bounds every operation must keep; see README "Security and limits". */
export const DOCUMENT_LIMITS = {
  /** Lexical tokens in a document: bounds its size, its nesting and its aliases before anything else. */
  tokens: 3_000,
  /** Nesting of fields, introspection included (the introspection query GraphiQL sends needs 15). */
  depth: 15,
  /** Aliased fields in an operation. */
  aliases: 30,
  /** Directives in an operation. */
  directives: 10,
  /** Items in one list argument or input field. */
  listItems: 100,
  /** Nesting of objects and lists in variables. */
  variableDepth: 16,
} as const;

/** Options of these checks that an operator sets (src/config.ts). */
export interface LimitOptions {
  introspection: boolean;
  fieldSuggestions: boolean;
}

/** Armor reports its own one-size message; ours says what to change and carries HTTP 400. */
function reportAs(message: (found: string) => string) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    const found = /found (\d+)/.exec(error.message)?.[1] ?? '?';
    context?.reportError(badInput(message(found)));
  };
}

const TOO_DEEP = 'this operation is nested too deeply to read; flatten it';

/** Parsing and validating recurse: a document nested thousands of levels deep would overflow the stack. */
function refuseStackOverflow<A extends unknown[], R>(run: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return run(...args);
    } catch (error) {
      if (error instanceof RangeError) throw badInput(TOO_DEEP);
      throw error;
    }
  };
}

/** Names the place of a literal in the operation: `nodes(ids)`, `createIncident(input.actors)`. */
function placeOf(ancestors: ReadonlyArray<ASTNode | ReadonlyArray<ASTNode>>): string {
  let field = '';
  const path: string[] = [];
  for (const ancestor of ancestors) {
    if (Array.isArray(ancestor)) continue;
    const node = ancestor as ASTNode;
    if (node.kind === Kind.FIELD) {
      field = node.name.value;
      path.length = 0;
    } else if (node.kind === Kind.ARGUMENT || node.kind === Kind.OBJECT_FIELD) {
      path.push(node.name.value);
    }
  }
  return field ? `${field}(${path.join('.')})` : path.join('.');
}

/** graphql-js's visitor passes a node's ancestors without its parent. */
function withParent(
  ancestors: ReadonlyArray<ASTNode | ReadonlyArray<ASTNode>>,
  parent: ASTNode | ReadonlyArray<ASTNode> | undefined,
): ReadonlyArray<ASTNode | ReadonlyArray<ASTNode>> {
  return parent ? [...ancestors, parent] : ancestors;
}

/** Literal lists longer than the bound, and strings PostgreSQL cannot store (NUL), in the document itself. */
function literalValuesRule(context: ValidationContext): ASTVisitor {
  return {
    ListValue(node, _key, parent, _path, ancestors) {
      if (node.values.length > DOCUMENT_LIMITS.listItems) {
        context.reportError(
          badInput(`${placeOf(withParent(ancestors, parent))}: a list may hold at most ${DOCUMENT_LIMITS.listItems} items, got ${node.values.length}`),
        );
      }
    },
    StringValue(node, _key, parent, _path, ancestors) {
      if (!node.value.includes('\u0000')) return;
      context.reportError(badInput(`${placeOf(withParent(ancestors, parent))}: text must not contain the NUL character (\\u0000)`));
    },
  };
}

/**
 * Checks variable values before they are coerced: lists no longer than the bound, no NUL characters, and
 * no deeper than any input type nests. Walks without recursion, so no value can overflow the stack.
 * Returns the error naming the first offending variable, or undefined.
 */
export function checkVariables(variables: unknown): GraphQLError | undefined {
  if (variables === null || typeof variables !== 'object') return undefined;
  const stack: Array<{ value: unknown; path: string; depth: number }> = Object.entries(variables).map(([name, value]) => ({
    value,
    path: `$${name}`,
    depth: 1,
  }));
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return badInput(`${path}: text must not contain the NUL character (\\u0000)`, path);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > DOCUMENT_LIMITS.variableDepth) return badInput(`${path}: nested deeper than any input of this API`, path);
    if (Array.isArray(value)) {
      if (value.length > DOCUMENT_LIMITS.listItems) {
        return badInput(`${path}: a list may hold at most ${DOCUMENT_LIMITS.listItems} items, got ${value.length}`, path);
      }
      value.forEach((item, index) => stack.push({ value: item, path: `${path}[${index}]`, depth: depth + 1 }));
    } else {
      for (const [key, item] of Object.entries(value)) stack.push({ value: item, path: `${path}.${key}`, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Yoga plugins that bound every operation, over HTTP and WebSocket alike (both parse and validate through Yoga). */
export function operationLimits(options: LimitOptions): Plugin[] {
  const plugins: Plugin[] = [
    maxTokensPlugin({ n: DOCUMENT_LIMITS.tokens }),
    {
      onParse: ({ parseFn, setParseFn }) => setParseFn(refuseStackOverflow(parseFn)),
      onValidate: ({ validateFn, setValidationFn, addValidationRule }) => {
        setValidationFn(refuseStackOverflow(validateFn));
        addValidationRule(literalValuesRule);
        if (!options.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
      },
      onParams: ({ params }) => {
        const refused = checkVariables(params.variables);
        if (refused) throw refused;
      },
    },
    maxDepthPlugin({
      n: DOCUMENT_LIMITS.depth,
      ignoreIntrospection: false,
      flattenFragments: true,
      propagateOnRejection: false,
      onReject: [reportAs((found) => `this operation is too deeply nested: depth ${found} exceeds the limit of ${DOCUMENT_LIMITS.depth}`)],
    }),
    maxAliasesPlugin({
      n: DOCUMENT_LIMITS.aliases,
      propagateOnRejection: false,
      onReject: [reportAs((found) => `this operation has too many aliases: ${found} exceeds the limit of ${DOCUMENT_LIMITS.aliases}`)],
    }),
    maxDirectivesPlugin({
      n: DOCUMENT_LIMITS.directives,
      propagateOnRejection: false,
      onReject: [reportAs((found) => `this operation has too many directives: ${found} exceeds the limit of ${DOCUMENT_LIMITS.directives}`)],
    }),
  ];
  if (!options.fieldSuggestions) plugins.push(blockFieldSuggestionsPlugin());
  return plugins;
}
