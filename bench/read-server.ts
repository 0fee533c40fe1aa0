// Child process of bench/read.ts: serves one side of the read benchmark on 127.0.0.1 and reports its port
// over IPC. `graphql` is the real Faultline server (buildServer + listen, as main.ts and the tests start it),
// as one process or, with BENCH_WORKERS > 1, as a cluster of that many (src/cluster.ts's WorkerPool, as
// main.ts runs WORKERS > 1); `raw` is a bare node:http endpoint answering GET /incidents?first=N with one
// hand-written statement that builds the same JSON the GraphQL query returns; `postgraphile` is PostGraphile
// v4 in library mode on the same database (bench/peers/postgraphile.ts). Not part of the service.
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkerPool } from '../src/cluster.js';
import { createSql, type Sql } from '../src/db/connection.js';
import { createLogger, type Logger } from '../src/logger.js';
import { startFaultline } from './faultline-server.js';
import { createProfiler } from './live/profiler.js';
import type { ServerCommand } from './live/protocol.js';
import { startPostGraphile } from './peers/postgraphile.js';

type ProfileCommand = Extract<ServerCommand, { type: 'profile' }>;

export type Role = 'graphql' | 'raw' | 'postgraphile';

/** Messages from the parent. */
export type Command = { type: 'cpu' } | { type: 'stop' } | ProfileCommand;
/** Messages to the parent. */
export type Report =
  | { type: 'ready'; port: number; pid: number }
  | { type: 'cpu'; user: number; system: number }
  | { type: 'profile'; action: 'start' | 'stop' }
  | { type: 'failed'; error: string };

const role = process.argv[2] as Role;
const url = process.env.BENCH_DB_URL;
const pool = Number(process.env.BENCH_POOL ?? 10);
const workers = Number(process.env.BENCH_WORKERS ?? 1);
/** Names the server's connections (application_name), by which the parent finds their backends' CPU time. */
const applicationName = `faultline-bench-${process.env.BENCH_NAME ?? role}`;

function send(message: Report): void {
  process.send?.(message);
}

/**
 * The whole response body in one statement. It mirrors the data layer and the resolvers exactly:
 * listIncidents' order (occurred_sort desc, id desc, live incidents only), the role order of
 * actorsOfIncidents / aiSystemsOfIncidents, enum values upper-cased as GraphQL serialises them, global ids
 * as base64url("Incident:<id>") without padding (encodeGlobalId), and DateRange.display built as
 * displayPartialDate does from the date's text form.
 */
function incidentsBody(sql: Sql, first: number) {
  return sql<{ body: string }[]>`
    with page as (
      select i.id, i.title, i.severity, i.occurred_sort,
        case
          when i.occurred_start is null or i.occurred_precision = 'unknown' then 'unknown'
          when i.occurred_precision = 'year' then left(i.occurred_start::text, 4)
          when i.occurred_precision = 'month' then left(i.occurred_start::text, 7)
          else i.occurred_start::text
        end as start_display,
        case
          when i.occurred_end is null or i.occurred_end = i.occurred_start then null
          when i.occurred_precision = 'unknown' then 'unknown'
          when i.occurred_precision = 'year' then left(i.occurred_end::text, 4)
          when i.occurred_precision = 'month' then left(i.occurred_end::text, 7)
          else i.occurred_end::text
        end as end_display
      from incidents i
      where i.merged_into_id is null
      order by i.occurred_sort desc, i.id desc
      limit ${first}
    )
    select json_build_object('data', json_build_object('incidents', json_build_object('edges', coalesce(json_agg(
      json_build_object('node', json_build_object(
        'id', rtrim(translate(encode(convert_to('Incident:' || p.id, 'UTF8'), 'base64'), E'+/\n', '-_'), '='),
        'title', p.title,
        'severity', upper(p.severity),
        'occurred', json_build_object('display', coalesce(p.start_display || ' to ' || p.end_display, p.start_display)),
        'actors', (
          select coalesce(json_agg(
            json_build_object('role', upper(ia.role), 'actor', json_build_object('name', a.name))
            order by array_position(array['attacker','victim','developer','deployer','researcher','responder'], ia.role), ia.actor_id
          ), '[]'::json)
          from incident_actors ia join actors a on a.id = ia.actor_id
          where ia.incident_id = p.id
        ),
        'aiSystems', (
          select coalesce(json_agg(
            json_build_object('role', upper(s.role), 'aiSystem', json_build_object('name', x.name))
            order by array_position(array['primary_tool','supplementary_tool','safeguard'], s.role), s.ai_system_id
          ), '[]'::json)
          from incident_ai_systems s join ai_systems x on x.id = s.ai_system_id
          where s.incident_id = p.id
        )
      ))
      order by p.occurred_sort desc, p.id desc
    ), '[]'::json))))::text as body
    from page p
  `;
}

function startRaw(sql: Sql): Server {
  return createServer((req, res) => {
    const requestUrl = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || requestUrl.pathname !== '/incidents') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const first = Number(requestUrl.searchParams.get('first') ?? 20);
    if (!Number.isInteger(first) || first < 0 || first > 100) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('first must be an integer from 0 to 100\n');
      return;
    }
    incidentsBody(sql, first).then(
      ([row]) => {
        const body = row?.body ?? '';
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
      (error: unknown) => {
        console.error(`raw endpoint: ${String(error)}`);
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
      },
    );
  });
}

/** CPU time (user + system, in µs) of another process on this machine, from /proc; 0 once it has gone. */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are in clock ticks, 100 per second on every common Linux build.
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
}

async function startGraphql(sql: Sql, logger: Logger): Promise<{ port: number; stop: () => Promise<void> }> {
  // BENCH_RESPONSE_CACHE=1: the response cache on, as in production (the "graphql cached" endpoint).
  const cached = process.env.BENCH_RESPONSE_CACHE === '1' ? { responseCacheTtlMs: 60_000 } : {};
  const { server, stop } = await startFaultline(sql, url!, logger, cached);
  return { port: server.port, stop };
}

function startRawServer(sql: Sql): Promise<{ port: number; stop: () => Promise<void> }> {
  const server = startRaw(sql);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        stop: async () => {
          server.closeAllConnections();
          await new Promise<void>((done) => server.close(() => done()));
        },
      }),
    );
  });
}

async function main(): Promise<void> {
  if (role !== 'graphql' && role !== 'raw' && role !== 'postgraphile') throw new Error(`unknown role "${String(role)}": graphql, raw or postgraphile`);
  if (!url) throw new Error('BENCH_DB_URL is not set (bench/read.ts sets it)');
  const logger = createLogger('warn');

  let stop: () => Promise<void>;
  let port: number;
  let cpu = () => {
    const usage = process.cpuUsage();
    return { user: usage.user, system: usage.system };
  };
  if (role === 'graphql' && workers > 1 && cluster.isPrimary) {
    // The cluster's primary serves nothing: it forks the workers (this file again, as cluster workers) and
    // answers the parent for all of them. Their CPU time is read from /proc, as the parent reads PostgreSQL's.
    const workerPool = new WorkerPool({ workers, logger });
    port = await workerPool.start();
    const own = cpu;
    cpu = () => {
      const usage = own();
      return { user: usage.user + workerPool.pids.reduce((sum, pid) => sum + cpuOf(pid), 0), system: usage.system };
    };
    stop = () => workerPool.stop();
  } else if (role === 'postgraphile') {
    const peer = await startPostGraphile(url, pool, applicationName);
    port = peer.port;
    stop = peer.stop;
  } else {
    const sql = createSql(url, { max: pool, applicationName });
    const server = role === 'graphql' ? await startGraphql(sql, logger) : await startRawServer(sql);
    port = server.port;
    stop = async () => {
      await server.stop();
      await sql.end({ timeout: 2 });
    };
  }

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stop().catch(() => {});
    // A normal exit, so --cpu-prof writes its profile.
    process.exit(code);
  };
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => void shutdown(0));
  // A cluster worker answers to its primary only (which stops it with SIGTERM, and which node:cluster
  // follows out if it dies); the rest below is the protocol with bench/read.ts.
  if (cluster.isWorker) return;

  // A profile of the measured window only (BENCH_CPU_PROF): the main thread of this process, so of one
  // server process (a cluster's workers are not profiled); sampled every 0.5 ms, which costs the server
  // throughput while it runs: take figures from a run without BENCH_CPU_PROF.
  const profile = createProfiler(send, { intervalMicros: 500, allocations: false });
  process.on('message', (message: Command) => {
    if (message.type === 'cpu') send({ type: 'cpu', ...cpu() });
    else if (message.type === 'profile') profile(message);
    else if (message.type === 'stop') void shutdown(0);
  });
  // The parent died or dropped us: do not linger.
  process.on('disconnect', () => void shutdown(1));

  send({ type: 'ready', port, pid: process.pid });
}

main().catch((error: unknown) => {
  send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
