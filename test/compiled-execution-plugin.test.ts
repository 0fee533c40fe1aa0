// The compiled-execution plugin (src/graphql/compiled-execution.ts) on a small schema made of what compilers get
// wrong, with no database: the same operations through Yoga with and without the plugin give the same status
// and body (the values resolvers receive from variables, masked and unmasked errors, nulls propagated from
// non-null fields, abstract types), the operations it must leave to graphql-js are left to it, and its cache
// stays within its bound.
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { createCompiledExecution, type CompiledExecution } from '../src/graphql/compiled-execution.js';

const Instant = new GraphQLScalarType({
  name: 'Instant',
  parseValue: (value) => {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw new GraphQLError(`Instant must be an ISO string, got ${JSON.stringify(value)}`);
    return new Date(value);
  },
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? new Date(ast.value) : undefined),
  serialize: (value) => (value as Date).toISOString(),
});

// A scalar whose serializer fails unexpectedly (a bug): graphql-js masks it, as it must stay.
const Broken = new GraphQLScalarType({
  name: 'Broken',
  serialize: (value) => {
    if (value === 'nothing') return undefined;
    throw new TypeError(`secret detail of ${String(value)}`);
  },
});

const schema = createSchema({
  typeDefs: /* GraphQL */ `
    enum Level { LOW HIGH }
    "Internal values are each other's names: a value cannot be told from a name."
    enum Tricky { A B }
    scalar Instant
    scalar Broken
    input Filter { level: Level = LOW, levels: [Level!], after: Instant, nested: Inner, limit: Int = 3 }
    input Inner { level: Level, levels: [Level!], deeper: Innermost, limit: Int = 3 }
    input Innermost { level: Level, levels: [Level!], limit: Int = 3 }
    "Contains itself: graphql-jit cannot compile the coercion of a variable of this type."
    input Tree { label: String, children: [Tree!] }
    interface Named { name: String! }
    type Person implements Named { name: String! level: Level! }
    type Robot implements Named { name: String! model: String }
    union Thing = Person | Robot
    type Holder { ok: String bad: String! deep: Holder }
    type Query {
      echo(filter: Filter, at: Instant, levels: [Level]): String!
      tree(root: Tree): String!
      level(value: Level!): Level!
      tricky(value: Tricky): Tricky
      when(at: Instant!): Instant!
      broken: Broken
      brokenList: [Broken]
      empty: Broken
      failing: String
      failingNonNull: String!
      refused: String
      holder: Holder
      holders: [Holder!]
      things: [Thing!]!
      named: [Named!]!
    }
    type Mutation { bump: Int! }
    type Subscription { ticks: Int! }
  `,
  resolvers: {
    Level: { LOW: 'low', HIGH: 'high' },
    Tricky: { A: 'B', B: 'A' },
    Instant,
    Broken,
    Named: { __resolveType: (value: { model?: string }) => ('model' in value ? 'Robot' : 'Person') },
    Thing: { __resolveType: (value: { model?: string }) => ('model' in value ? 'Robot' : 'Person') },
    Query: {
      // What the resolver received, Dates marked: the coerced variables, as the resolver sees them.
      echo: (_root: unknown, args: unknown) => JSON.stringify(args, (_key, value: unknown) => (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value) ? `Date ${value}` : value)),
      tree: (_root: unknown, args: unknown) => JSON.stringify(args),
      level: (_root: unknown, { value }: { value: string }) => {
        if (value !== 'low' && value !== 'high') throw new Error(`not an internal value: ${value}`);
        return value;
      },
      tricky: (_root: unknown, { value }: { value?: string }) => value ?? null,
      when: (_root: unknown, { at }: { at: Date }) => {
        if (!(at instanceof Date)) throw new Error('not a Date');
        return new Date(at.getTime() + 86_400_000);
      },
      broken: () => 'x',
      brokenList: () => ['a', null, 'b'],
      empty: () => 'nothing',
      failing: () => {
        throw new Error('secret database detail');
      },
      failingNonNull: async () => {
        await Promise.resolve();
        throw new Error('secret');
      },
      refused: () => {
        throw new GraphQLError('you may not', { extensions: { code: 'FORBIDDEN' } });
      },
      holder: () => ({ ok: 'yes', bad: null, deep: { ok: 'deeper', bad: 'fine', deep: null } }),
      holders: () => [{ ok: 'one', bad: 'fine' }, { ok: 'two', bad: null }],
      things: () => [{ name: 'Ada', level: 'high' }, { name: 'R2', model: 'astromech' }],
      named: async () => [{ name: 'Grace', level: 'low' }, { name: 'K9', model: null }],
    },
    Mutation: { bump: () => 1 },
    Subscription: {
      ticks: {
        subscribe: async function* () {
          yield { ticks: 1 };
        },
      },
    },
  },
});

function yogaWith(plugins: Plugin[]) {
  return createYoga({ schema, plugins, logging: false, maskedErrors: true });
}

async function post(yoga: ReturnType<typeof yogaWith>, body: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  const response = await yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** Sends the operation with and without compiled execution; expects one answer, returned with the runs it compiled. */
async function compare(compiled: CompiledExecution, body: Record<string, unknown>) {
  const before = compiled.stats().compiledRuns;
  const fast = await post(yogaWith([compiled.plugin]), body);
  const slow = await post(yogaWith([]), body);
  expect(fast).toEqual(slow);
  return { ...fast, runs: compiled.stats().compiledRuns - before };
}

describe('compiled execution on a small schema', () => {
  it('gives resolvers the values graphql-js coerced: enums, custom scalars, defaults, lists, nested input objects', async () => {
    const compiled = createCompiledExecution({ compileAfter: 0 });
    const result = await compare(compiled, {
      query: `query Q($f: Filter, $at: Instant, $levels: [Level], $one: Level!, $when: Instant!) {
        echo(filter: $f, at: $at, levels: $levels) level(value: $one) when(at: $when)
        literal: echo(filter: { level: HIGH, levels: [LOW], nested: {} })
      }`,
      variables: {
        f: { levels: ['HIGH', 'LOW'], after: '2026-01-02T03:04:05Z', nested: { level: 'HIGH', deeper: { levels: 'LOW' } } },
        at: '2025-12-31T23:00:00.000Z',
        levels: ['LOW', null],
        one: 'HIGH',
        when: '2026-03-01T00:00:00Z',
      },
    });
    expect(result.status).toBe(200);
    const data = (result.body as { data: Record<string, string> }).data;
    expect(JSON.parse(data.echo!)).toEqual({
      filter: { level: 'low', levels: ['high', 'low'], after: 'Date 2026-01-02T03:04:05.000Z', nested: { level: 'high', deeper: { levels: ['low'], limit: 3 }, limit: 3 }, limit: 3 },
      at: 'Date 2025-12-31T23:00:00.000Z',
      levels: ['low', null],
    });
    expect(data.level).toBe('HIGH');
    expect(data.when).toBe('2026-03-02T00:00:00.000Z');
    expect(result.runs).toBe(1);
  });

  it('masks unexpected errors, keeps GraphQL errors, and nulls up to the nearest nullable field, as graphql-js does', async () => {
    const compiled = createCompiledExecution({ compileAfter: 0 });
    const cases: Array<[string, number]> = [
      ['{ failing refused broken brokenList empty }', 6],
      ['{ failingNonNull failing }', 2],
      ['{ holder { ok bad deep { ok bad } } }', 1],
      ['{ holders { ok bad } }', 1],
      ['{ a: holder { deep { ok } } b: holder { ok } }', 0],
    ];
    for (const [query, errors] of cases) {
      const result = await compare(compiled, { query });
      expect(result.status).toBe(200);
      expect(JSON.stringify(result.body)).not.toMatch(/secret/);
      expect((result.body as { errors?: unknown[] }).errors ?? []).toHaveLength(errors);
      expect(result.runs).toBe(1);
    }
  });

  it('resolves interfaces and unions, with fragments, aliases and __typename', async () => {
    const compiled = createCompiledExecution({ compileAfter: 0 });
    const result = await compare(compiled, {
      query: `query Kinds($skip: Boolean!) {
        things { __typename ...Who ... on Robot { model } }
        named { __typename kind: __typename name ... on Person { level @skip(if: $skip) } }
      }
      fragment Who on Named { name }`,
      variables: { skip: false },
    });
    expect((result.body as { data: { things: unknown[] } }).data.things).toEqual([
      { __typename: 'Person', name: 'Ada' },
      { __typename: 'Robot', name: 'R2', model: 'astromech' },
    ]);
    expect(result.runs).toBe(1);
  });

  it('leaves refused variables, a self-containing input, an ambiguous enum, mutations and subscriptions to graphql-js', async () => {
    const compiled = createCompiledExecution({ compileAfter: 0 });
    const refused = [
      { query: 'query Q($v: Level!) { level(value: $v) }', variables: { v: 'low' } },
      { query: 'query Q($f: Filter) { echo(filter: $f) }', variables: { f: { after: 'yesterday' } } },
      { query: 'query Q($f: Filter) { echo(filter: $f) }', variables: { f: { nope: 1 } } },
      { query: 'query Q($v: Instant!) { when(at: $v) }', variables: {} },
    ];
    for (const body of refused) {
      const result = await compare(compiled, body);
      expect(result.status).toBe(400);
      expect(result.runs).toBe(0);
    }
    const tree = await compare(compiled, { query: 'query Q($t: Tree) { tree(root: $t) }', variables: { t: { label: 'a', children: [{ children: [] }] } } });
    expect(tree.body).toEqual({ data: { tree: '{"root":{"label":"a","children":[{"children":[]}]}}' } });
    expect(tree.runs).toBe(0);
    const tricky = await compare(compiled, { query: 'query Q($t: Tricky) { tricky(value: $t) }', variables: { t: 'A' } });
    expect(tricky.body).toEqual({ data: { tricky: 'A' } });
    expect(tricky.runs).toBe(0);
    const mutation = await compare(compiled, { query: 'mutation { bump }' });
    expect(mutation.body).toEqual({ data: { bump: 1 } });
    expect(mutation.runs).toBe(0);
    expect(compiled.stats().fallbacks).toBe(refused.length + 2);
  });

  it('keeps at most `max` compiled operations, the most recently used', async () => {
    const compiled = createCompiledExecution({ max: 3, compileAfter: 0 });
    const yoga = yogaWith([compiled.plugin]);
    for (let i = 0; i < 10; i++) {
      const result = await post(yoga, { query: `{ a${i}: level(value: LOW) }` });
      expect(result.body).toEqual({ data: { [`a${i}`]: 'LOW' } });
      expect(compiled.stats().cached).toBeLessThanOrEqual(3);
    }
    expect(compiled.stats()).toMatchObject({ cached: 3, compiledRuns: 10 });
    // Two operations of one document count as two.
    const two = 'query X { level(value: HIGH) } query Y { level(value: LOW) }';
    await post(yoga, { query: two, operationName: 'X' });
    await post(yoga, { query: two, operationName: 'Y' });
    expect(compiled.stats()).toMatchObject({ cached: 3, compiledRuns: 12 });
  });

  it('compiles an operation only after it has run compileAfter times on graphql-js, and never a one-off', async () => {
    const compiled = createCompiledExecution({ compileAfter: 3 });
    const yoga = yogaWith([compiled.plugin]);
    const query = '{ level(value: HIGH) }';
    for (let i = 1; i <= 3; i++) {
      const result = await post(yoga, { query });
      expect(result.body).toEqual({ data: { level: 'HIGH' } });
      expect(compiled.stats()).toMatchObject({ warmUpRuns: i, compiledRuns: 0 });
    }
    const fourth = await post(yoga, { query });
    expect(fourth.body).toEqual({ data: { level: 'HIGH' } });
    expect(compiled.stats()).toMatchObject({ warmUpRuns: 3, compiledRuns: 1 });
    // Distinct documents, each seen once: all on graphql-js, none compiled.
    for (let i = 0; i < 5; i++) await post(yoga, { query: `{ once${i}: level(value: LOW) }` });
    expect(compiled.stats()).toMatchObject({ warmUpRuns: 8, compiledRuns: 1 });
  });
});
