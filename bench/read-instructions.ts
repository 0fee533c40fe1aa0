// Instructions per request, counted by valgrind's callgrind: a measure of each read server's CPU cost that a
// busy machine does not move (req/s and CPU time do, by a factor of two on a shared 2-core machine). Each
// server of bench/read.ts (raw, PostGraphile, Faultline) runs under callgrind with instrumentation off,
// takes a warm-up load (so V8 has optimised the hot paths), then callgrind counts exactly --requests
// requests of the bench page and dumps. Needs valgrind (apt-get install valgrind); slow: ~10 minutes.
//
//   npx tsx bench/read-instructions.ts [--requests 300] [--warmup 60] [--warmup-requests 0] [--connections 4] [--peer 1] [--incidents 20000]
//
// A warm-up of --warmup-requests (when above 0) instead of --warmup seconds gives every server the same warm-up
// however busy the machine is; with seconds, a busy machine warms less and the count then includes more of V8's
// compiler (still optimising), so before/after comparisons should use it.
//
// Counts are of the server process only (not PostgreSQL, which bench/read.ts's PG CPU column covers), and
// include V8's compiler and GC threads. The dumps stay in bench/results/ for callgrind_annotate.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePostGraphile, peerQuery } from './peers/postgraphile.js';
import { FIRST, QUERY } from './queries.js';
import { fetchBody, formatTable, graphqlTarget, load, log, option, runBenchmark, startChild, target, type Child, type Target } from './support.js';

const REQUESTS = option('requests', 'BENCH_REQUESTS', 300);
const WARMUP_SECONDS = option('warmup', 'BENCH_WARMUP', 60);
const WARMUP_REQUESTS = option('warmup-requests', 'BENCH_WARMUP_REQUESTS', 0);
const PEER = option('peer', 'BENCH_PEER', 1) > 0;
const OUT = path.resolve(path.dirname(new URL(import.meta.url).pathname), 'results');

function callgrind(pid: number, ...args: string[]): void {
  execFileSync('callgrind_control', [...args, String(pid)], { stdio: 'ignore' });
}

/** The total instruction count (Ir) of a callgrind dump: its `totals:` line (`summary:` is 0 in a dump on demand). */
function totalInstructions(file: string): number {
  const match = /^totals: (\d+)/m.exec(fs.readFileSync(file, 'utf8'));
  if (!match) throw new Error(`no totals in ${file}`);
  return Number(match[1]);
}

async function count(name: string, child: Child, to: Target): Promise<number> {
  await fetchBody(to);
  log(`${name}: warming up for ${WARMUP_REQUESTS > 0 ? `${WARMUP_REQUESTS} requests` : `${WARMUP_SECONDS} s`} under valgrind`);
  // Under valgrind a server runs some 50 times slower: a request that times out here only warms less.
  const warm = await load(to, WARMUP_REQUESTS > 0 ? { amount: WARMUP_REQUESTS } : WARMUP_SECONDS, 60, true);
  log(`${name}: ${warm['2xx']} warm-up requests (${warm.errors + warm.timeouts} failed)`);
  const pid = child.process.pid!;
  const before = new Set(fs.readdirSync(OUT));
  callgrind(pid, '--zero');
  callgrind(pid, '--instr=on');
  // A long timeout: on a busy machine a request under valgrind can wait a minute, and one that timed out was
  // still (partly) served, so its instructions would be counted for no answer.
  const result = await load(to, { amount: REQUESTS }, 600, true);
  callgrind(pid, '--instr=off');
  callgrind(pid, '--dump');
  // autocannon may count a request cut off as it stops as an error: tolerated up to 1 %, and the count is
  // divided by the requests answered.
  const answered = result['2xx'];
  const failed = result.errors + result.timeouts + result.non2xx;
  if (failed > REQUESTS / 100 || answered < REQUESTS * 0.99) throw new Error(`${name}: ${answered} of ${REQUESTS} requests answered, ${failed} failed`);
  const dump = fs.readdirSync(OUT).find((file) => !before.has(file) && file.startsWith(`callgrind.${name}.`));
  if (!dump) throw new Error(`${name}: callgrind wrote no dump in ${OUT}`);
  const perRequest = totalInstructions(path.join(OUT, dump)) / answered;
  log(`${name}: ${(perRequest / 1e6).toFixed(2)} M instructions per request over ${answered} requests${failed ? ` (${failed} failed)` : ''} (${path.join(OUT, dump)})`);
  return perRequest;
}

runBenchmark(3600, async (databaseUrl) => {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  fs.mkdirSync(OUT, { recursive: true });
  if (PEER) log(`PostGraphile ${await ensurePostGraphile(log)}`);
  const endpoints: Array<{ name: string; role: 'raw' | 'postgraphile' | 'graphql'; target: (child: Child) => Target }> = [
    { name: 'raw', role: 'raw', target: (child) => target(child, `/incidents?first=${FIRST}`, { method: 'GET', headers: {} }) },
    ...(PEER ? [{ name: 'postgraphile', role: 'postgraphile' as const, target: (child: Child) => graphqlTarget(child, peerQuery(FIRST)) }] : []),
    { name: 'graphql', role: 'graphql', target: (child) => graphqlTarget(child, QUERY) },
  ];
  const counts = new Map<string, number>();
  // One at a time: callgrind serialises a process's threads, and two would compete for the cores.
  for (const endpoint of endpoints) {
    const child = await startChild(endpoint.role, databaseUrl, {
      name: endpoint.name,
      startTimeoutMs: 600_000,
      wrapper: ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${OUT}/callgrind.${endpoint.name}.%p.out`],
    });
    try {
      counts.set(endpoint.name, await count(endpoint.name, child, endpoint.target(child)));
    } finally {
      await child.stop();
    }
  }
  const raw = counts.get('raw')!;
  const peer = counts.get('postgraphile');
  const rows = [['', 'M instructions / request', '/ raw', '/ postgraphile']];
  for (const [name, perRequest] of counts) {
    rows.push([name, (perRequest / 1e6).toFixed(2), (perRequest / raw).toFixed(2), peer ? (perRequest / peer).toFixed(2) : '-']);
  }
  console.log('');
  console.log(`Instructions per request (callgrind), incidents(first: ${FIRST}) with actors and AI systems, ${REQUESTS} requests each after ${WARMUP_REQUESTS > 0 ? `${WARMUP_REQUESTS} requests` : `${WARMUP_SECONDS} s`} of warm-up`);
  console.log('');
  console.log(formatTable(rows));
  console.log('');
});
