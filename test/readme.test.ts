// Every GraphQL example in README.md runs against the seed: queries over HTTP, within the operation limits and
// without errors; where the README shows an answer (a ```json block right after the query), the answer is
// exactly what the server returns. Subscriptions are validated and measured against the same limits.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { complexityFromQuery } from '@pothos/plugin-complexity';
import { parse, validate, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeed } from '../src/data/seed.js';
import { OPERATION_LIMITS } from '../src/graphql/builder.js';
import { schema } from '../src/graphql/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { dataOf, globalId } from './helpers/factories.js';
import { graphql, startTestServer, type TestServer } from './helpers/server.js';

const README = fs.readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');

interface Example {
  line: number;
  query: string;
  /** The answer the README shows, if it shows one. */
  answer?: unknown;
}

/** The ```graphql blocks of the README, each with the ```json block that follows it before the next query. */
function examples(): Example[] {
  const found: Example[] = [];
  const fence = /^```(\w+)\n([\s\S]*?)^```$/gm;
  for (let match = fence.exec(README); match; match = fence.exec(README)) {
    const line = README.slice(0, match.index).split('\n').length;
    if (match[1] === 'graphql') found.push({ line, query: match[2]! });
    else if (match[1] === 'json' && found.length > 0 && !('answer' in found[found.length - 1]!)) {
      found[found.length - 1]!.answer = JSON.parse(match[2]!);
    }
  }
  return found;
}

let db: TestDatabase;
let server: TestServer;
/** Values for the variables the examples declare, by name. */
const variables: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  await loadSeed(db.sql);
  const id = async (table: string, slug: string) =>
    (await db.sql<{ id: string }[]>`select id from ${db.sql(table)} where slug = ${slug}`)[0]!.id;
  variables.system = globalId('AiSystem', await id('ai_systems', 'claude'));
  variables.anthropic = globalId('Actor', await id('actors', 'anthropic'));
  server = await startTestServer(db.url);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

describe('README examples', () => {
  const all = examples();

  it('include the five analyst questions, each with its answer', () => {
    expect(all.length).toBeGreaterThanOrEqual(10);
    expect(all.filter((example) => example.answer !== undefined).length).toBeGreaterThanOrEqual(5);
  });

  for (const example of all) {
    const document = parse(example.query);
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
    const names = (operation.variableDefinitions ?? []).map((definition) => definition.variable.name.value);

    it(`runs the ${operation.operation} at README line ${example.line}`, async () => {
      const values = Object.fromEntries(names.map((name) => [name, variables[name]]));
      for (const name of names) expect(values[name], `the test has no value for $${name}`).toBeDefined();
      expect(validate(schema, document)).toEqual([]);
      const shape = complexityFromQuery(document, { schema, ctx: {}, variables: values });
      for (const measure of ['complexity', 'depth', 'breadth'] as const) {
        expect(shape[measure], `${measure} of the example at line ${example.line}`).toBeLessThanOrEqual(OPERATION_LIMITS[measure]);
      }
      if (operation.operation === 'subscription') return;
      const response = await graphql(server.url, example.query, values);
      expect(response.status).toBe(200);
      const data = dataOf(response);
      if (example.answer !== undefined) expect(data).toEqual(example.answer);
    });
  }
});
