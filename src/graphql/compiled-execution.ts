// Compiled execution of queries (graphql-jit): each (document, operation) is compiled once into a function
// that resolves its selection directly, instead of graphql-js's generic walk over the selection for every
// request (bench/README.md, "Compiled execution (graphql-jit)"). What stays on the graphql-js path: variable
// coercion (a bad variable is answered by the original executor, with the same message and HTTP 400),
// subscriptions (executed once per event by src/graphql/shared-subscriptions.ts), mutations (serial execution
// of root fields is where compilers have had ordering bugs, and a write's cost is in the database), and any
// operation graphql-jit cannot compile.
import {
  GraphQLEnumType,
  GraphQLError,
  GraphQLScalarType,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isEnumType,
  isInputObjectType,
  isSpecifiedScalarType,
  typeFromAST,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type Source,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

/** Compiled operations kept by default: a hostile stream of distinct documents evicts, never grows, the cache. */
export const DEFAULT_MAX_COMPILED = 500;

/**
 * Executions of an operation on graphql-js before it is compiled. Compiling costs as much CPU as many executions
 * (with every operation compiled on first sight the test suite, whose documents mostly run once, took twice as
 * long), so an operation is compiled only once it has shown it repeats: a dashboard's page after a few loads, never
 * a stream of one-off (or hostile, made-up) documents, whose cost stays graphql-js's.
 */
export const DEFAULT_COMPILE_AFTER = 10;

interface Entry {
  operation: OperationDefinitionNode;
  /** Set once compiled; undefined while warming up, or for good when `settled` and it runs on graphql-js. */
  compiled?: CompiledQuery;
  /** True once it is known whether it compiles (not a query, or graphql-jit refused it: graphql-js for good). */
  settled: boolean;
  /** Executions on graphql-js so far, while it warms up. */
  runs: number;
}

/** What a compiled-execution plugin has done, for tests and benchmarks. */
export interface CompiledExecutionStats {
  /** Operations in the cache now (compiled or known to need graphql-js). */
  cached: number;
  /** Executions answered by a compiled operation. */
  compiledRuns: number;
  /** Query executions handed to graphql-js: a bad variable, or an operation that could not be compiled. */
  fallbacks: number;
  /** Query executions on graphql-js while their operation had not yet run `compileAfter` times. */
  warmUpRuns: number;
}

export interface CompiledExecution {
  plugin: Plugin;
  stats(): CompiledExecutionStats;
}

/**
 * An envelop/Yoga plugin that executes queries through graphql-jit, keeping the `max` most recently used
 * compiled operations (by document object and operation name; Yoga's parse cache hands the same document
 * object for the same text). It replaces the execute function of the plugins before it, so a plugin that wraps
 * execution (the response cache) must come after it.
 */
export function createCompiledExecution(options: { max?: number; compileAfter?: number } = {}): CompiledExecution {
  const max = options.max ?? DEFAULT_MAX_COMPILED;
  const compileAfter = options.compileAfter ?? DEFAULT_COMPILE_AFTER;
  const cache = new OperationCache(max);
  const counters = { compiledRuns: 0, fallbacks: 0, warmUpRuns: 0 };

  const run = (args: ExecutionArgs, fallback: (args: ExecutionArgs) => unknown): unknown => {
    const name = args.operationName ?? '';
    let entry = cache.get(args.schema, args.document, name);
    if (!entry) {
      const operation = getOperationAST(args.document, args.operationName);
      // No such operation: graphql-js's path says so, as it does today.
      if (!operation) return fallback(args);
      entry = { operation, settled: operation.operation !== 'query', runs: 0 };
      cache.set(args.schema, args.document, name, entry);
    }
    if (!entry.settled && entry.runs >= compileAfter) {
      entry.compiled = compile(args.schema, args.document, args.operationName);
      entry.settled = true;
    }
    const { compiled, operation } = entry;
    if (!compiled) {
      if (!entry.settled) {
        entry.runs += 1;
        counters.warmUpRuns += 1;
      } else if (operation.operation === 'query') counters.fallbacks += 1;
      return fallback(args);
    }
    // graphql-js coerces the variables; when it refuses them the original executor answers, which gives today's
    // errors (messages, locations, HTTP 400) without a second implementation of them here.
    let variables: Record<string, unknown> = {};
    if (operation.variableDefinitions && operation.variableDefinitions.length > 0) {
      const coerced = getVariableValues(args.schema, operation.variableDefinitions, args.variableValues ?? {});
      if (coerced.errors) {
        counters.fallbacks += 1;
        return fallback(args);
      }
      variables = coerced.coerced;
    }
    const result = compiled.query(args.rootValue, args.contextValue, variables);
    return result instanceof Promise ? result.then((done) => finish(done, args, fallback)) : finish(result, args, fallback);
  };

  const finish = (result: ExecutionResult, args: ExecutionArgs, fallback: (args: ExecutionArgs) => unknown): unknown => {
    // graphql-jit answers without `data` only when its own pass over the variables refused what graphql-js
    // accepted (see compile): then graphql-js runs the operation, before any resolver has.
    if (!('data' in result)) {
      counters.fallbacks += 1;
      return fallback(args);
    }
    counters.compiledRuns += 1;
    if (!result.errors) return result;
    const source = args.document.loc?.source;
    return { ...result, errors: result.errors.map((error) => asGraphQLJsError(error, source)) };
  };

  return {
    plugin: {
      onExecute: ({ executeFn, setExecuteFn }) => {
        setExecuteFn((args) => run(args, executeFn) as ReturnType<typeof executeFn>);
      },
    },
    stats: () => ({ cached: cache.size, ...counters }),
  };
}

/** The most recently used operations, by schema, document object and operation name; at most `max` in all. */
class OperationCache {
  private readonly bySchema = new WeakMap<GraphQLSchema, Map<DocumentNode, Map<string, Entry>>>();
  /** Documents across schemas in least-recently-used order, for eviction. */
  private readonly order = new Map<DocumentNode, Map<DocumentNode, Map<string, Entry>>>();
  size = 0;

  constructor(private readonly max: number) {}

  get(schema: GraphQLSchema, document: DocumentNode, name: string): Entry | undefined {
    const documents = this.bySchema.get(schema);
    const operations = documents?.get(document);
    const entry = operations?.get(name);
    if (entry && documents) {
      // Most recently used last.
      this.order.delete(document);
      this.order.set(document, documents);
    }
    return entry;
  }

  set(schema: GraphQLSchema, document: DocumentNode, name: string, entry: Entry): void {
    let documents = this.bySchema.get(schema);
    if (!documents) this.bySchema.set(schema, (documents = new Map()));
    let operations = documents.get(document);
    if (!operations) documents.set(document, (operations = new Map()));
    operations.set(name, entry);
    this.size += 1;
    this.order.delete(document);
    this.order.set(document, documents);
    while (this.size > this.max) {
      const [oldest, holder] = this.order.entries().next().value!;
      this.order.delete(oldest);
      this.size -= holder.get(oldest)?.size ?? 0;
      holder.delete(oldest);
    }
  }
}

/** The error graphql-jit reports for a leaf whose serializer failed unexpectedly carries the failure as its message. */
class LeafFailure extends Error {}

const NON_NULL_VIOLATION = /^Cannot return null for non-nullable field [_A-Za-z][_0-9A-Za-z]*\.[_A-Za-z][_0-9A-Za-z]*\.$/;

/** Offsets where each line of a document's text starts, as graphql-js counts lines. */
const lineStartsBySource = new WeakMap<Source, number[]>();

function lineStarts(source: Source): number[] {
  let starts = lineStartsBySource.get(source);
  if (starts) return starts;
  starts = [0];
  for (const match of source.body.matchAll(/\r\n|[\n\r]/g)) starts.push(match.index + match[0].length);
  lineStartsBySource.set(source, starts);
  return starts;
}

/**
 * The error graphql-js would have made for one graphql-jit reports. graphql-jit's errors carry `locations` but
 * no source positions, and Yoga rebuilds every error from its source and positions when it writes the
 * response (dropping the locations), so each is made again from the document's source. And graphql-js reports
 * a leaf serializer that throws something other than a GraphQLError, or returns nothing, as an error whose
 * `originalError` is that failure, so that masking hides it (a null in a non-null field too); graphql-jit keeps only the failure's message,
 * which masking would show: the serializers given to graphql-jit (leafSerializer) throw a LeafFailure whose
 * `message` is the failure itself, made here into the error graphql-js makes.
 */
function asGraphQLJsError(error: GraphQLError, source: Source | undefined): GraphQLError {
  const message = (error as { message: unknown }).message;
  let failure = message instanceof Error ? message : undefined;
  // graphql-js throws a plain Error for a null in a non-null field (a resolver's bug, masked); graphql-jit
  // reports it with the same message and no original error.
  if (!failure && !error.originalError && NON_NULL_VIOLATION.test(error.message)) failure = new Error(error.message);
  const starts = source ? lineStarts(source) : undefined;
  const positions = starts ? error.locations?.map(({ line, column }) => (starts[line - 1] ?? 0) + column - 1) : undefined;
  return new GraphQLError(failure ? failure.message : error.message, {
    source: positions && positions.length > 0 ? source : undefined,
    positions: positions && positions.length > 0 ? positions : undefined,
    path: error.path,
    originalError: failure ?? error.originalError,
    extensions: failure ? undefined : error.extensions,
  });
}

function leafSerializer(type: GraphQLScalarType | GraphQLEnumType): (value: unknown) => unknown {
  return (value) => {
    let serialized: unknown;
    try {
      serialized = type.serialize(value);
    } catch (error) {
      if (error instanceof GraphQLError) throw error;
      throw smuggled(error instanceof Error ? error : new Error(String(error)));
    }
    if (serialized === undefined || serialized === null) {
      throw smuggled(new Error(`Expected \`${type.name}.serialize(${JSON.stringify(value)})\` to return non-nullable value, returned: ${String(serialized)}`));
    }
    return serialized;
  };
}

function smuggled(failure: Error): LeafFailure {
  const carrier = new LeafFailure();
  Object.defineProperty(carrier, 'message', { value: failure });
  return carrier;
}

/** Per schema: the leaf types whose input parsing the compiled variable pass is made to skip (see compile). */
interface SchemaLeaves {
  enums: GraphQLEnumType[];
  scalars: GraphQLScalarType[];
  /**
   * Types a variable must not reach for its operation to be compiled: enums where some internal value is
   * another value's name (their values cannot pass through, see compile), and input objects that contain
   * themselves (graphql-jit writes the coercion of a variable out field by field, and never ends on those).
   */
  unsafe: Set<GraphQLNamedType>;
  serializers: Record<string, (value: unknown) => unknown>;
}

const leavesBySchema = new WeakMap<GraphQLSchema, SchemaLeaves>();

function leavesOf(schema: GraphQLSchema): SchemaLeaves {
  let leaves = leavesBySchema.get(schema);
  if (leaves) return leaves;
  leaves = { enums: [], scalars: [], unsafe: new Set(), serializers: {} };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isEnumType(type)) {
      leaves.enums.push(type);
      leaves.serializers[type.name] = leafSerializer(type);
      if (type.getValues().some((value) => typeof value.value === 'string' && type.getValue(value.value) !== undefined && type.getValue(value.value)!.value !== value.value)) {
        leaves.unsafe.add(type);
      }
    } else if (isInputObjectType(type)) {
      if (Object.values(type.getFields()).some((field) => reaches(getNamedType(field.type), new Set([type])))) leaves.unsafe.add(type);
    } else if (type instanceof GraphQLScalarType && !isSpecifiedScalarType(type)) {
      leaves.scalars.push(type);
      leaves.serializers[type.name] = leafSerializer(type);
    }
  }
  leavesBySchema.set(schema, leaves);
  return leaves;
}

/** Whether a variable of this type can hold a value of one of `types`, through input objects and lists. */
function reaches(type: GraphQLNamedType, types: Set<GraphQLNamedType>, seen = new Set<GraphQLNamedType>()): boolean {
  if (types.has(type)) return true;
  if (!isInputObjectType(type) || seen.has(type)) return false;
  seen.add(type);
  return Object.values(type.getFields()).some((field) => reaches(getNamedType(field.type), types, seen));
}

/**
 * Compiles a query, or returns undefined when graphql-jit cannot (the operation then runs on graphql-js).
 *
 * graphql-jit coerces the variables it is given with code of its own. It is given graphql-js's coerced values
 * instead (run), so that pass must leave them as they are: for built-in scalars, lists and input objects it
 * does (it copies what is valid); for enums and custom scalars it would parse again (an enum's internal value
 * is not its name; a DateTime is already a Date). graphql-jit binds those types' `getValue` and `parseValue`
 * when it compiles, so for the duration of the (synchronous) compilation they are replaced: `parseValue` by
 * the identity, an enum's `getValue` by one that also finds a value by itself. Operations with a variable that
 * can hold an ambiguous enum or a self-containing input object (SchemaLeaves.unsafe) are not compiled. The tests run the
 * same operations with and without this module and compare the answers (test/compiled-execution.test.ts).
 */
function compile(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): CompiledQuery | undefined {
  const leaves = leavesOf(schema);
  const operation = getOperationAST(document, operationName);
  if (leaves.unsafe.size > 0) {
    for (const definition of operation?.variableDefinitions ?? []) {
      const type = typeFromAST(schema, definition.type);
      if (type && reaches(getNamedType(type), leaves.unsafe)) return undefined;
    }
  }
  const restore: Array<() => void> = [];
  for (const type of leaves.scalars) {
    const parseValue = type.parseValue;
    type.parseValue = (value: unknown) => value;
    restore.push(() => (type.parseValue = parseValue));
  }
  for (const type of leaves.enums) {
    const own = Object.getOwnPropertyDescriptor(type, 'getValue');
    const byName = type.getValue;
    const byValue = new Map(type.getValues().map((value) => [value.value, value]));
    Object.defineProperty(type, 'getValue', {
      configurable: true,
      writable: true,
      value: (name: string) => byName.call(type, name) ?? byValue.get(name),
    });
    restore.push(() => (own ? Object.defineProperty(type, 'getValue', own) : delete (type as unknown as { getValue?: unknown }).getValue));
  }
  try {
    const compiled = compileQuery(schema, document, operationName ?? undefined, { customSerializers: leaves.serializers });
    return isCompiledQuery(compiled) ? compiled : undefined;
  } finally {
    for (const undo of restore) undo();
  }
}
