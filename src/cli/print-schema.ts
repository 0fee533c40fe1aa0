// Writes schema/schema.graphql: the printed, sorted schema frontends code against. A test fails when the
// committed file differs from what the code builds, so the contract never drifts silently.
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { sortedSchema } from '../graphql/index.js';

/** Where the printed schema lives. */
export const SCHEMA_FILE = fileURLToPath(new URL('../../schema/schema.graphql', import.meta.url));

/** The schema as SDL, sorted, with a trailing newline. */
export function printedSchema(): string {
  return printSchema(sortedSchema()) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await fs.writeFile(SCHEMA_FILE, printedSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
