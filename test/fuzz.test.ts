// Generated operations against the real server, from a fixed seed: every root field (queries and, with an
// editor key, mutations) with arguments drawn from valid, borderline and hostile values, passed inline or as
// variables of right and wrong types. Whatever a client sends, the answer is a result or a client error:
// never a 5xx, never INTERNAL_SERVER_ERROR.
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueKey } from '../src/auth/keys.js';
import { loadSeed } from '../src/data/seed.js';
import { schema } from '../src/graphql/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { globalId } from './helpers/factories.js';
import { mulberry32 } from './helpers/random.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const SEED = 20_260_209;
const OPERATIONS = 2_000;
const CONCURRENCY = 4;

let db: TestDatabase;
let server: TestServer;
let editor: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await loadSeed(db.sql);
  ({ key: editor } = await issueKey(db.sql, 'fuzzer', 'editor'));
  server = await startTestServer(db.url);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

/** Choices drawn from a deterministic generator, so a failure reproduces from the seed. */
function generator(seed: number) {
  const next = mulberry32(seed);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof generator>;

const TYPENAMES = ['Incident', 'Report', 'Actor', 'AiSystem', 'PolicyTopic', 'PolicyPosition', 'Technique', 'ApiKey', 'Nope'];
const HOSTILE_STRINGS = [
  '', ' ', 'a'.repeat(20_000), '\u0000', 'nul\u0000inside', '-'.repeat(40), '"'.repeat(33), '(((((', 'OR OR OR', '\\', "'; drop table incidents; --",
  '%', '_', '\u202e', '😀'.repeat(50), '\ud800', 'javascript:alert(1)', 'http://', 'https://example.org/' + 'x'.repeat(3000), '0000-01-01',
  '2026-02-30', '9999-12-31', '-0001-01-01', '2026-13-01', 'AML.T0054', 'T1', 'MX', 'mx', 'XX', 'es', 'spanish',
];

function randomString(random: Random): string {
  if (random.chance(0.4)) return random.pick(HOSTILE_STRINGS);
  if (random.chance(0.3)) return globalId(random.pick(TYPENAMES), random.chance(0.8) ? String(random.int(20) + 1) : random.pick(['0', '-1', 'x', '1e9', '99999999999999999999']));
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789 -_.:/"\'\\{}[]ñé\n\t';
  return Array.from({ length: random.int(30) }, () => alphabet[random.int(alphabet.length)]).join('');
}

function scalarValue(random: Random, name: string): unknown {
  if (random.chance(0.1)) return random.pick([null, true, 0, -1, 2 ** 31, 2 ** 53 + 2, 1.5, 'text', [], {}]);
  switch (name) {
    case 'Int':
      return random.pick([0, 1, 5, 100, 101, -1, 2 ** 31 - 1, -(2 ** 31)]);
    case 'SafeInt':
      return random.pick([0, 1, 2 ** 53 - 1, -5, 12_345]);
    case 'Float':
      return random.pick([0, 0.5, -1e308, 1e308]);
    case 'Boolean':
      return random.chance(0.5);
    case 'Date':
      return random.pick(['2026-01-15', '2025-12-01', '0000-01-01', '0001-01-01', '2026-02-29', '2099-01-01', '1999-12-31', 'yesterday']);
    case 'DateTime':
      return random.pick(['2026-01-15T10:00:00Z', '0000-01-01T00:00:00Z', '2026-01-15', 'now', '+275760-09-13T00:00:00Z']);
    default:
      return randomString(random);
  }
}

/** A value for an input type, as JSON (for variables). */
function inputValue(random: Random, type: GraphQLInputType, depth: number): unknown {
  if (isNonNullType(type)) return random.chance(0.03) ? null : inputValue(random, type.ofType, depth);
  if (random.chance(0.08)) return null;
  if (isListType(type)) {
    const length = random.chance(0.05) ? random.pick([101, 500]) : random.int(4);
    return Array.from({ length }, () => inputValue(random, type.ofType, depth + 1));
  }
  if (isEnumType(type)) return random.chance(0.9) ? random.pick(type.getValues()).name : 'NOT_A_VALUE';
  if (isInputObjectType(type)) {
    if (depth > 4) return {};
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (isNonNullType(field.type) || random.chance(0.4)) value[field.name] = inputValue(random, field.type, depth + 1);
    }
    if (random.chance(0.03)) value.unknownField = 1;
    return value;
  }
  return scalarValue(random, (type as GraphQLNamedType).name);
}

/** The same value written as a GraphQL literal. */
function literal(value: unknown, type: GraphQLInputType): string {
  if (value === null || value === undefined) return 'null';
  const named = getNamedType(type);
  if (Array.isArray(value)) return `[${value.map((item) => literal(item, isListType(type) ? type.ofType : isNonNullType(type) && isListType(type.ofType) ? type.ofType.ofType : type)).join(', ')}]`;
  if (typeof value === 'object') {
    const fields = isInputObjectType(named) ? named.getFields() : {};
    return `{ ${Object.entries(value)
      .map(([key, item]) => `${key}: ${literal(item, fields[key]?.type ?? named as GraphQLInputType)}`)
      .join(', ')} }`;
  }
  if (isEnumType(named) && typeof value === 'string' && /^[A-Z_][A-Z0-9_]*$/.test(value)) return value;
  return JSON.stringify(value);
}

function printType(type: GraphQLInputType): string {
  if (isNonNullType(type)) return `${printType(type.ofType)}!`;
  if (isListType(type)) return `[${printType(type.ofType)}]`;
  return type.name;
}

/** A selection set for an output type, a few levels deep. */
function selection(random: Random, type: GraphQLOutputType, depth: number): string {
  const named = getNamedType(type);
  if (isScalarType(named) || isEnumType(named)) return '';
  if (depth > 3) return '{ __typename }';
  if (isUnionType(named) || isInterfaceType(named)) {
    const possible = schema.getPossibleTypes(named);
    const chosen = Array.from({ length: 2 }, () => random.pick(possible));
    return `{ __typename ${[...new Set(chosen)].map((member) => `... on ${member.name} ${selection(random, member, depth + 1)}`).join(' ')} }`;
  }
  if (!isObjectType(named)) return '';
  const fields = Object.values(named.getFields());
  const chosen = [...new Set(Array.from({ length: 1 + random.int(4) }, () => random.pick(fields)))];
  return `{ ${chosen.map((field) => `${field.name}${fieldArguments(random, field, 'literal', [])} ${selection(random, field.type, depth + 1)}`).join(' ')} }`;
}

/** A field's arguments, inline or as variables (collected into `variables`). */
function fieldArguments(
  random: Random,
  field: GraphQLField<unknown, unknown>,
  mode: 'literal' | 'variables',
  variables: Array<{ name: string; type: string; value: unknown }>,
): string {
  const args = field.args.filter((arg) => isNonNullType(arg.type) || random.chance(0.5));
  if (args.length === 0) return '';
  const parts = args.map((arg) => {
    const value = inputValue(random, arg.type, 0);
    if (mode === 'literal') return `${arg.name}: ${literal(value, arg.type)}`;
    const name = `v${variables.length}`;
    // Now and then a variable declared with the wrong type.
    const declared = random.chance(0.05) ? random.pick(['String', 'Int', '[ID!]', 'Boolean!']) : printType(arg.type);
    variables.push({ name, type: declared, value });
    return `${arg.name}: $${name}`;
  });
  return `(${parts.join(', ')})`;
}

function operation(random: Random): { query: string; variables: Record<string, unknown>; mutation: boolean } {
  const mutation = random.chance(0.3);
  const root = mutation ? schema.getMutationType()! : schema.getQueryType()!;
  const field = random.pick(Object.values(root.getFields()));
  const variables: Array<{ name: string; type: string; value: unknown }> = [];
  const args = fieldArguments(random, field, random.chance(0.5) ? 'variables' : 'literal', variables);
  const header = variables.length > 0 ? `(${variables.map((variable) => `$${variable.name}: ${variable.type}`).join(', ')})` : '';
  const query = `${mutation ? 'mutation' : 'query'}${header} { ${field.name}${args} ${selection(random, field.type, 1)} }`;
  return { query, variables: Object.fromEntries(variables.map((variable) => [variable.name, variable.value])), mutation };
}

describe('fuzzing', () => {
  it(`answers ${OPERATIONS} generated operations without an internal error`, { timeout: 300_000 }, async () => {
    const random = generator(SEED);
    const cases = Array.from({ length: OPERATIONS }, () => operation(random));
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const index = next++;
        const { query, variables, mutation } = cases[index]!;
        const response = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(mutation ? { authorization: `Bearer ${editor}` } : {}) },
          body: JSON.stringify({ query, variables }),
        });
        const text = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status >= 500 || text.includes('INTERNAL_SERVER_ERROR')) {
          failures.push(`#${index} ${response.status} ${query.slice(0, 300)} ${JSON.stringify(variables).slice(0, 300)}\n  -> ${text.slice(0, 300)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(`fuzzing (seed ${SEED}): ${[...statuses].map(([status, count]) => `${count}x ${status}`).join(', ')}`);
    expect(failures.slice(0, 10).join('\n')).toBe('');
    // The generator reaches past validation: some operations run and succeed.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(OPERATIONS / 10);
  });
});
