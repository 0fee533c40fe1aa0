// Child process of bench/read.ts: serves one side of the read benchmark on 127.0.0.1 and reports its port
// over IPC. `graphql` is the real Faultline server (buildServer + listen, as main.ts and the tests start it);
// `raw` is a bare node:http endpoint answering GET /incidents?first=N with one hand-written statement that
// builds the same JSON the GraphQL query returns. Not part of the service: a baseline only.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSql, type Sql } from '../src/db/connection.js';
import { createEventHub } from '../src/live/index.js';
import { createLogger } from '../src/logger.js';
import { buildServer, listen } from '../src/server.js';

export type Role = 'graphql' | 'raw';

/** Messages from the parent. */
export type Command = { type: 'cpu' } | { type: 'stop' };
/** Messages to the parent. */
export type Report =
  | { type: 'ready'; port: number; pid: number }
  | { type: 'cpu'; user: number; system: number }
  | { type: 'failed'; error: string };

const role = process.argv[2] as Role;
const url = process.env.BENCH_DB_URL;
const pool = Number(process.env.BENCH_POOL ?? 10);

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

async function main(): Promise<void> {
  if (role !== 'graphql' && role !== 'raw') throw new Error(`unknown role "${String(role)}": graphql or raw`);
  if (!url) throw new Error('BENCH_DB_URL is not set (bench/read.ts sets it)');
  const logger = createLogger('warn');
  const sql = createSql(url, { max: pool, applicationName: `faultline-bench-${role}` });

  let stop: () => Promise<void>;
  let port: number;
  if (role === 'graphql') {
    const events = createEventHub({ sql, url, logger });
    await events.start();
    const server = buildServer({
      sql,
      events,
      logger,
      config: { port: 0, host: '127.0.0.1', requireReadKey: false, graphiql: false },
    });
    await listen(server, '127.0.0.1', 0);
    port = server.port;
    stop = async () => {
      await server.stop();
      await events.stop();
    };
  } else {
    const server = startRaw(sql);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    port = (server.address() as AddressInfo).port;
    stop = async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  }

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stop().catch(() => {});
    await sql.end({ timeout: 2 }).catch(() => {});
    // A normal exit, so --cpu-prof writes its profile.
    process.exit(code);
  };

  process.on('message', (message: Command) => {
    if (message.type === 'cpu') {
      const usage = process.cpuUsage();
      send({ type: 'cpu', user: usage.user, system: usage.system });
    } else if (message.type === 'stop') {
      void shutdown(0);
    }
  });
  // The parent died or dropped us: do not linger.
  process.on('disconnect', () => void shutdown(1));
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => void shutdown(0));

  send({ type: 'ready', port, pid: process.pid });
}

main().catch((error: unknown) => {
  send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
