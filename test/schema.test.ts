// The printed schema is the contract frontends code against: it must be what the code builds, sorted so
// diffs show real changes only, and every part of it must say what it means.
import fs from 'node:fs/promises';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  lexicographicSortSchema,
  printSchema,
  type GraphQLSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, printedSchema } from '../src/cli/print-schema.js';
import { schema } from '../src/graphql/index.js';

/** Every type, field, argument, enum value and input field without a description, as schema coordinates. */
function undocumented(target: GraphQLSchema): string[] {
  const missing: string[] = [];
  const blank = (description: string | null | undefined) => !description || description.trim() === '';
  for (const type of Object.values(target.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    if (blank(type.description)) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (blank(field.description)) missing.push(`${type.name}.${field.name}`);
        for (const arg of field.args) {
          if (blank(arg.description)) missing.push(`${type.name}.${field.name}(${arg.name}:)`);
        }
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (blank(field.description)) missing.push(`${type.name}.${field.name}`);
      }
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) {
        if (blank(value.description)) missing.push(`${type.name}.${value.name}`);
      }
    }
  }
  return missing.sort();
}

describe('schema/schema.graphql', () => {
  it('is what the code builds', async () => {
    const committed = await fs.readFile(SCHEMA_FILE, 'utf8');
    expect(
      committed === printedSchema(),
      'schema/schema.graphql is stale: run `npm run schema:print` and commit the result',
    ).toBe(true);
  });

  it('is sorted lexicographically', async () => {
    const committed = await fs.readFile(SCHEMA_FILE, 'utf8');
    const sorted = printSchema(lexicographicSortSchema(buildSchema(committed))) + '\n';
    expect(committed === sorted, 'schema/schema.graphql is not sorted: regenerate it with `npm run schema:print`').toBe(true);
    expect(printedSchema()).toBe(printSchema(lexicographicSortSchema(schema)) + '\n');
  });

  it('describes every type, field, argument, enum value and input field', () => {
    const missing = undocumented(schema);
    expect(missing, `${missing.length} schema elements have no description:\n${missing.join('\n')}`).toEqual([]);
  });

  it('finds a missing description (the check is not vacuous)', () => {
    const bare = buildSchema(`
      """A documented type."""
      type Query {
        """Documented."""
        documented(
          """Documented."""
          a: Int
          b: Int
        ): Int
        bare: Int
      }
      enum Mood { """Documented.""" HAPPY SAD }
      input Filter { x: Int }
    `);
    expect(undocumented(bare)).toEqual(['Filter', 'Filter.x', 'Mood', 'Mood.SAD', 'Query.bare', 'Query.documented(b:)']);
  });
});
