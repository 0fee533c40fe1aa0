// The layers of the live side, checked on the source: the event core (src/events) knows nothing of the data
// layer, the topics or GraphQL; no module imports itself back at run time; and writes that announce nothing
// neither register as event writers nor wake the hubs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertActor, upsertPolicyTopic } from '../src/data/catalog-changes.js';
import { submitReport } from '../src/data/report-changes.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

interface Import {
  target: string;
  /** `import type` / `export type`: erased at run time. */
  typeOnly: boolean;
}

/** Every module under src/ with the src/ modules it imports (relative paths, .ts). */
function importGraph(): Map<string, Import[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.push(full);
    }
  };
  walk(SRC);
  const graph = new Map<string, Import[]>();
  const statement = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g;
  for (const file of files) {
    const imports: Import[] = [];
    for (const match of fs.readFileSync(file, 'utf8').matchAll(statement)) {
      const specifier = (match[2] ?? match[3])!.replace(/\.js$/, '.ts');
      imports.push({ target: path.relative(SRC, path.resolve(path.dirname(file), specifier)), typeOnly: match[1] !== undefined });
    }
    graph.set(path.relative(SRC, file), imports);
  }
  return graph;
}

/** The run-time import cycles of `graph` (type-only imports are erased, so they cannot close one). */
function runtimeCycles(graph: Map<string, Import[]>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (module: string) => {
    state.set(module, 'open');
    stack.push(module);
    for (const { target, typeOnly } of graph.get(module) ?? []) {
      if (typeOnly || !graph.has(target)) continue;
      if (state.get(target) === 'open') cycles.push([...stack.slice(stack.indexOf(target)), target].join(' -> '));
      else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(module, 'done');
  };
  for (const module of graph.keys()) if (!state.has(module)) visit(module);
  return cycles;
}

describe('the module graph', () => {
  const graph = importGraph();

  it('has no import cycle at run time through the data layer or the live side', () => {
    // Pothos' type files may point at each other at run time (its refs make that safe, see src/graphql/refs.ts);
    // below GraphQL, a cycle is a layering mistake.
    const layered = (module: string) => ['data', 'db', 'events', 'live'].some((dir) => module.startsWith(`${dir}${path.sep}`));
    expect(graph.size).toBeGreaterThan(50);
    expect(runtimeCycles(graph).filter((cycle) => cycle.split(' -> ').some(layered))).toEqual([]);
  });

  it('would see such a cycle, and not one closed only by a type import', () => {
    const edge = (target: string, typeOnly = false): Import => ({ target, typeOnly });
    const cyclic = new Map([
      ['data/a.ts', [edge('live/b.ts')]],
      ['live/b.ts', [edge('data/a.ts')]],
    ]);
    expect(runtimeCycles(cyclic)).toEqual(['data/a.ts -> live/b.ts -> data/a.ts']);
    const typesOnly = new Map([
      ['data/a.ts', [edge('live/b.ts')]],
      ['live/b.ts', [edge('data/a.ts', true)]],
    ]);
    expect(runtimeCycles(typesOnly)).toEqual([]);
  });

  it('keeps the event core free of the data layer, the topics and GraphQL, even for types', () => {
    const core = [...graph.entries()].filter(([module]) => module.startsWith(`events${path.sep}`));
    expect(core.length).toBeGreaterThanOrEqual(6);
    const outside = core.flatMap(([module, imports]) =>
      imports.filter(({ target }) => !target.startsWith(`events${path.sep}`) && target !== 'logger.ts').map(({ target }) => `${module} -> ${target}`),
    );
    expect(outside).toEqual([]);
  });

  it('keeps GraphQL and the transports out of the data layer and the topics', () => {
    const lower = [...graph.entries()].filter(([module]) => module.startsWith(`data${path.sep}`) || module.startsWith(`live${path.sep}`));
    const upward = lower.flatMap(([module, imports]) =>
      imports
        .filter(({ target }) => target.startsWith(`graphql${path.sep}`) || ['server.ts', 'websocket.ts', 'sse.ts', 'main.ts'].includes(target))
        .map(({ target }) => `${module} -> ${target}`),
    );
    expect(upward).toEqual([]);
  });
});

describe('writes that announce nothing', () => {
  let db: TestDatabase;
  const statements: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase({ onQuery: (query) => statements.push(query) });
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('neither register as event writers nor wake the hubs, while writes that announce do both', async () => {
    const registers = () => statements.filter((statement) => statement.includes('pg_advisory_xact_lock_shared')).length;
    const notifies = () => statements.filter((statement) => statement.includes('pg_notify') && !statement.includes('catalog_notice')).length;
    // What they do send: a notice on the catalog channel, for the response caches (src/data/catalog-notice.ts).
    const notices = () => statements.filter((statement) => statement.includes('catalog_notice')).length;
    statements.length = 0;
    await upsertActor(db.sql, { name: 'Catalogued Actor', kind: 'government' });
    await upsertPolicyTopic(db.sql, { name: 'Catalogued topic' });
    expect([registers(), notifies(), notices()]).toEqual([0, 0, 2]);
    // The same counters see an announcing write: they can tell.
    await submitReport(db.sql, { url: 'https://catalog.example.org/1', title: 'Announced', publisher: 'p' });
    expect([registers(), notifies(), notices()]).toEqual([1, 1, 2]);
  });
});
