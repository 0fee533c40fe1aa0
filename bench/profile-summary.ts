// Where a server's CPU went, from a V8 CPU profile (`--cpu-prof`, e.g. BENCH_CPU_PROF=<dir> npm run bench:read):
// busy time split by layer (self time of the functions of each package or part of graphql-js), the time spent
// inside a few entry points (inclusive), and the costliest functions. Idle time is left out.
//
//   npx tsx bench/profile-summary.ts <file.cpuprofile> [--top 20]
import { readFileSync } from 'node:fs';
import { formatTable, option } from './support.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Layers, first match wins; the url is the script's (file:// for packages and our sources, node: for core). */
const LAYERS: Array<[string, (url: string, name: string) => boolean]> = [
  ['garbage collection', (_url, name) => name === '(garbage collector)'],
  ['postgres.js (protocol, parsing rows)', (url) => url.includes('/node_modules/postgres/')],
  ['pg + pg-protocol (node-postgres)', (url) => /\/node_modules\/pg(-protocol|-types)?\//.test(url)],
  ['graphql-js: parse (lexer, parser)', (url) => url.includes('/node_modules/graphql/language/')],
  ['graphql-js: validate', (url) => url.includes('/node_modules/graphql/validation/')],
  ['graphql-js: execute', (url) => url.includes('/node_modules/graphql/execution/')],
  ['@graphql-tools/executor: execute', (url) => url.includes('/@graphql-tools/executor/')],
  ['graphql-js: other (types, utilities)', (url) => url.includes('/node_modules/graphql/')],
  // Its runtime helpers; the code it compiles per operation is made with `new Function` and has no url, so it
  // counts under "V8 and native" by its own function names (the operation's, `...ResolverHandler`).
  ['graphql-jit (runtime of compiled queries)', (url) => url.includes('/node_modules/graphql-jit/')],
  ['Pothos (resolver wrappers, plugins)', (url) => url.includes('/@pothos/')],
  ['DataLoader', (url) => url.includes('/node_modules/dataloader/')],
  [
    'Yoga, envelop, @whatwg-node (request pipeline)',
    (url) => /\/(graphql-yoga|@graphql-yoga|@envelop|@whatwg-node|urlpattern-polyfill|@graphql-tools\/utils)\//.test(url),
  ],
  ['PostGraphile (graphile-build, pg-sql2)', (url) => /\/(postgraphile|postgraphile-core|graphile-build|graphile-build-pg|pg-sql2|graphile-utils|@graphile)\//.test(url)],
  ['Faultline src/', (url) => url.includes('/src/') && !url.includes('/node_modules/')],
  ['bench/ (the raw endpoint, the harness child)', (url) => url.includes('/bench/') && !url.includes('/node_modules/')],
  ['node: http', (url) => /^node:_http|^node:http/.test(url)],
  // AsyncLocalStorage on Node 20 runs on async hooks: a hook on every promise created.
  ['node: async hooks (AsyncLocalStorage)', (url) => /^node:(internal\/)?async_hooks/.test(url)],
  ['node: net, streams, timers, events, other', (url) => url.startsWith('node:')],
  ['other packages', (url) => url.includes('/node_modules/')],
  ['V8 and native (JSON, regexp, builtins, program)', () => true],
];

/** Entry points whose whole subtree (inclusive time) is worth knowing. */
const ENTRY_POINTS: Array<[string, (node: ProfileNode) => boolean]> = [
  ['graphql parse', (n) => n.callFrame.functionName === 'parse' && n.callFrame.url.includes('/graphql/language/parser')],
  ['graphql validate', (n) => n.callFrame.functionName === 'validate' && n.callFrame.url.includes('/graphql/validation/validate')],
  ['execute (graphql-tools or graphql-js)', (n) => n.callFrame.functionName === 'execute' && /\/@graphql-tools\/executor\/|\/graphql\/execution\/execute/.test(n.callFrame.url)],
  ['JSON.stringify', (n) => n.callFrame.functionName === 'stringify' && n.callFrame.url === ''],
  ['postgres.js data handler', (n) => n.callFrame.functionName === 'data' && n.callFrame.url.includes('/node_modules/postgres/')],
];

function main(): void {
  const file = process.argv.slice(2).find((arg) => !arg.startsWith('--') && !/^\d+$/.test(arg));
  if (!file) {
    console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [--top 20]');
    process.exit(2);
  }
  const top = option('top', 'PROFILE_TOP', 20);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  // Self time per node from the samples and their time deltas (µs), more exact than hitCount × interval.
  const self = new Map<number, number>();
  profile.samples.forEach((id, index) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));

  let idle = 0;
  let busy = 0;
  const layers = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, micros] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += micros;
      continue;
    }
    busy += micros;
    const layer = LAYERS.find(([, test]) => test(url, functionName))![0];
    layers.set(layer, (layers.get(layer) ?? 0) + micros);
    const where = url ? `${url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/')}:${lineNumber + 1}` : 'native';
    const key = `${functionName || '(anonymous)'} ${where}`;
    functions.set(key, (functions.get(key) ?? 0) + micros);
  }

  // Inclusive time of an entry point: samples whose stack passes through it (outermost occurrence only).
  const inclusive = new Map<string, number>();
  for (const [id, micros] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at)!;
      for (const [label, test] of ENTRY_POINTS) {
        if (!seen.has(label) && test(node)) {
          seen.add(label);
          inclusive.set(label, (inclusive.get(label) ?? 0) + micros);
        }
      }
    }
  }

  const ms = (micros: number) => (micros / 1000).toFixed(0);
  const pct = (micros: number) => `${((micros / busy) * 100).toFixed(1)} %`;
  console.log(`${file}: ${ms(profile.endTime - profile.startTime)} ms profiled, ${ms(busy)} ms busy, ${ms(idle)} ms idle`);
  console.log('');
  const layerRows = [['layer (self time)', 'ms', 'of busy']];
  for (const [layer, micros] of [...layers].sort((a, b) => b[1] - a[1])) layerRows.push([layer, ms(micros), pct(micros)]);
  console.log(formatTable(layerRows));
  console.log('');
  const entryRows = [['inside (inclusive time)', 'ms', 'of busy']];
  for (const [label] of ENTRY_POINTS) entryRows.push([label, ms(inclusive.get(label) ?? 0), pct(inclusive.get(label) ?? 0)]);
  console.log(formatTable(entryRows));
  console.log('');
  const functionRows = [['function (self time)', 'ms', 'of busy']];
  for (const [key, micros] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) functionRows.push([key.slice(0, 110), ms(micros), pct(micros)]);
  console.log(formatTable(functionRows));
}

main();
