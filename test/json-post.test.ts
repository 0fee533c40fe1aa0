// src/http/json-post.ts answers JSON POSTs of queries without Yoga's Fetch API layer. Every
// request below goes to a server with that path and to one without it (`fullYogaPipeline`), in the same order,
// with the same request id, with the response cache off and on: status line, headers (names, order, values;
// only Date and the cache's Last-Modified time may differ), body and log lines must be the same. The path must
// also be taken where it should be and left alone where it should not: Yoga's own path logs its parsing.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueKey } from '../src/auth/keys.js';
import { loadSeed } from '../src/data/seed.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface Raw {
  status: number;
  statusMessage: string;
  headers: string[];
  body: string;
}

interface Case {
  name: string;
  body: string;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  path?: string;
  /** Whether the short path should answer it on a server with it. */
  fast: boolean;
}

let db: TestDatabase;
let editorKey: string;
const servers: Record<string, TestServer & { lines: string[] }> = {};

const pair = (cached: boolean) => [servers[`fast${cached ? '+cache' : ''}`]!, servers[`full${cached ? '+cache' : ''}`]!] as const;

beforeAll(async () => {
  db = await createTestDatabase();
  await loadSeed(db.sql);
  editorKey = (await issueKey(db.sql, 'json-post tests editor', 'editor')).key;
  for (const cached of [false, true]) {
    for (const full of [false, true]) {
      const lines: string[] = [];
      const server = await startTestServer(db.url, {
        logger: createLogger('debug', (line) => lines.push(line), 'json'),
        fullYogaPipeline: full,
        ...(cached ? { responseCacheTtlMs: 600_000 } : {}),
      });
      servers[`${full ? 'full' : 'fast'}${cached ? '+cache' : ''}`] = Object.assign(server, { lines });
    }
  }
});

afterAll(async () => {
  for (const server of Object.values(servers)) await server.stop();
  await db?.drop();
});

function send(url: string, test: Case, requestId: string): Promise<Raw> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: test.path ?? '/graphql',
        method: test.method ?? 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...test.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const headers: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            const name = res.rawHeaders[i]!;
            // The time of day, and the time a cached result was stored: the same in form only.
            const value = /^(date|last-modified)$/i.test(name) ? res.rawHeaders[i + 1]!.replace(/\d\d:\d\d:\d\d/, 'hh:mm:ss') : res.rawHeaders[i + 1]!;
            headers.push(`${name}: ${value}`);
          }
          resolve({ status: res.statusCode!, statusMessage: res.statusMessage!, headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(test.method === 'GET' ? undefined : test.body);
  });
}

/** The log lines about one request, without their times. */
function linesOf(server: { lines: string[] }, requestId: string): unknown[] {
  return server.lines
    .filter((line) => line.includes(requestId))
    .map((line) => {
      const { time: _time, durationMs, ...rest } = JSON.parse(line) as Record<string, unknown>;
      return { ...rest, durationMs: typeof durationMs };
    });
}

const json = (query: string, extra: Record<string, unknown> = {}) => JSON.stringify({ query, ...extra });
const PAGE = '{ incidents(first: 3) { totalCount edges { node { id title severity actors { role actor { name } } } } } }';
const GRAPHQL_RESPONSE = { accept: 'application/graphql-response+json' };

function cases(): Case[] {
  const bearer = { authorization: `Bearer ${editorKey}` };
  return [
    { name: 'a page, no Accept', body: json(PAGE), fast: true },
    { name: 'a page, Accept application/json', body: json(PAGE), headers: { accept: 'application/json' }, fast: true },
    { name: 'a page, Accept graphql-response+json', body: json(PAGE), headers: GRAPHQL_RESPONSE, fast: true },
    { name: 'a page, both JSON types', body: json(PAGE), headers: { accept: 'application/graphql-response+json, application/json;q=0.9' }, fast: true },
    { name: 'a page, Accept */*', body: json(PAGE), headers: { accept: '*/*' }, fast: true },
    { name: 'a page, Accept with charset', body: json(PAGE), headers: { accept: 'application/json; charset=utf-8' }, fast: true },
    { name: 'a page, Accept latin-1 only', body: json(PAGE), headers: { accept: 'application/json; charset=iso-8859-1' }, fast: true },
    { name: 'a page, Accept text/html', body: json(PAGE), headers: { accept: 'text/html' }, fast: false },
    { name: 'a page, Accept JSON or multipart', body: json(PAGE), headers: { accept: 'multipart/mixed, application/json' }, fast: false },
    { name: 'a page, content type with charset', body: json(PAGE), headers: { 'content-type': 'application/json; charset=utf-8' }, fast: true },
    { name: 'a page, content type graphql+json', body: json(PAGE), headers: { 'content-type': 'application/graphql+json' }, fast: false },
    { name: 'a page with a key', body: json(PAGE), headers: bearer, fast: true },
    { name: 'a page with a wrong key', body: json(PAGE), headers: { authorization: 'Bearer fl_nope' }, fast: true },
    { name: 'a page with a wrong key, graphql-response+json', body: json(PAGE), headers: { authorization: 'Bearer fl_nope', ...GRAPHQL_RESPONSE }, fast: true },
    { name: 'variables', body: json('query($n: Int) { incidents(first: $n) { totalCount edges { node { title } } } }', { variables: { n: 2 } }), fast: true },
    { name: 'null variables and operation name', body: json('{ __typename }', { variables: null, operationName: null }), fast: true },
    { name: 'a variable of the wrong type', body: json('query($n: Int) { incidents(first: $n) { totalCount } }', { variables: { n: 'two' } }), fast: true },
    { name: 'a variable of the wrong type, graphql-response+json', body: json('query($n: Int) { incidents(first: $n) { totalCount } }', { variables: { n: 'two' } }), headers: GRAPHQL_RESPONSE, fast: true },
    { name: 'a variable list too long', body: json('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { variables: { ids: Array.from({ length: 101 }, (_, i) => `x${i}`) } }), fast: false /* refused by an onParams hook: handed back to Yoga */ },
    { name: 'a missing variable', body: json('query($n: Int!) { incidents(first: $n) { totalCount } }'), fast: true },
    { name: 'a validation error', body: json('{ incidents(first: 3) { nope } }'), fast: true },
    { name: 'a validation error, graphql-response+json', body: json('{ incidents(first: 3) { nope } }'), headers: GRAPHQL_RESPONSE, fast: true },
    { name: 'a field error', body: json('{ incidents(first: 1000) { totalCount } }'), fast: true },
    { name: 'a parse error', body: json('{ incidents(first: '), fast: true },
    { name: 'a parse error, graphql-response+json', body: json('{ incidents(first: '), headers: GRAPHQL_RESPONSE, fast: true },
    { name: 'two operations, a name that is neither', body: json('query A { __typename } query B { __typename }', { operationName: 'C' }), fast: true },
    { name: 'two operations, no name', body: json('query A { __typename } query B { __typename }'), fast: true },
    { name: 'two operations, one named', body: json('query A { __typename } query B { incidents(first: 1) { totalCount } }', { operationName: 'B' }), fast: true },
    { name: 'introspection', body: json('{ __schema { queryType { name } } }'), fast: true },
    { name: 'a mutation without a key', body: json('mutation { attachReport(incidentId: "x", reportId: "y") { __typename } }'), fast: false },
    { name: 'a mutation with a key, bad ids', body: json('mutation { attachReport(incidentId: "x", reportId: "y") { __typename } }'), headers: bearer, fast: false },
    { name: 'a string naming mutation', body: json('{ incidents(first: 1, search: "mutation") { totalCount } }'), fast: false },
    { name: 'a subscription over POST, JSON only', body: json('subscription { incidentChanged { cursor } }'), headers: { accept: 'application/json' }, fast: false },
    { name: 'a subscription over POST, graphql-response+json', body: json('subscription { incidentChanged { cursor } }'), headers: GRAPHQL_RESPONSE, fast: false },
    { name: 'a string naming subscription', body: json('{ incidents(first: 1, search: "subscription") { totalCount } }'), fast: false },
    { name: 'invalid JSON', body: '{"query": ', fast: false },
    { name: 'a JSON array (a batch)', body: JSON.stringify([{ query: '{ __typename }' }]), fast: false },
    { name: 'a JSON string', body: '"{ __typename }"', fast: false },
    { name: 'no query', body: JSON.stringify({ variables: {} }), fast: false },
    { name: 'a query that is not a string', body: JSON.stringify({ query: 42 }), fast: false },
    { name: 'an unknown parameter', body: JSON.stringify({ query: '{ __typename }', other: 1 }), fast: false },
    { name: 'extensions', body: JSON.stringify({ query: '{ __typename }', extensions: {} }), fast: false },
    { name: 'an operation name that is not a string', body: JSON.stringify({ query: '{ __typename }', operationName: 3 }), fast: false },
    { name: 'variables that are a list', body: JSON.stringify({ query: '{ __typename }', variables: [1] }), fast: false },
    { name: 'a conditional request', body: json(PAGE), headers: { 'if-none-match': 'abc' }, fast: false },
    { name: 'a GET', body: '', method: 'GET', path: `/graphql?query=${encodeURIComponent('{ __typename }')}`, headers: { accept: 'application/json' }, fast: false },
    { name: 'another path', body: json(PAGE), path: '/graphql/', fast: false },
  ];
}

let sequence = 0;

/** Sends `test` to both servers of a pair (twice when the cache is on: stored, then served) and compares. */
async function compare(cached: boolean, test: Case): Promise<void> {
  const [fast, full] = pair(cached);
  // Yoga's own path logs (at debug level) that it parses the request; the short path never does.
  const parsed = () => fast.lines.filter((line) => line.includes('Parsing request to extract GraphQL parameters')).length;
  for (let round = 0; round < (cached ? 2 : 1); round += 1) {
      const requestId = `jp-${(sequence += 1)}`;
      const before = parsed();
      const a = await send(fast.url, test, requestId);
      const requests = parsed() - before;
      const b = await send(full.url, test, requestId);
      expect(a, `${test.name} (round ${round})`).toEqual(b);
      // The access line is written when the response closes: wait for both.
      await expect.poll(() => linesOf(fast, requestId).length).toBe(linesOf(full, requestId).length);
      await expect.poll(() => linesOf(fast, requestId)).toEqual(linesOf(full, requestId));
      expect(linesOf(full, requestId).length, `${test.name}: an access line`).toBeGreaterThan(0);
      // With the cache on, a hit is served before either path: which path ran is checked with it off.
      if (!cached) expect(requests, `${test.name}: parsed by Yoga's own path`).toBe(test.fast ? 0 : 1);
  }
}

describe('JSON POSTs answered without the Fetch API layer', () => {
  for (const cached of [false, true]) {
    it(`answer as Yoga does, response cache ${cached ? 'on' : 'off'}`, async () => {
      for (const test of cases()) await compare(cached, test);
    });
  }

  it('mask unexpected errors as Yoga does, with the same request id in the answer and the log', async () => {
    await db.sql`alter table reports rename to reports_gone_json_post`;
    try {
      for (const cached of [false, true]) {
        await compare(cached, { name: 'a database error', body: json('{ reports(first: 2) { totalCount } }'), fast: true });
      }
    } finally {
      await db.sql`alter table reports_gone_json_post rename to reports`;
    }
  });

  it('know every plugin hook they skip', () => {
    // The short path runs no onRequest, onRequestParse or onResponse hook (see src/http/json-post.ts). A plugin
    // added with one must be looked at there: this list then changes.
    const skipped = (servers['fast+cache']!.server.yoga as unknown as { plugins: Array<Record<string, unknown> | null> }).plugins
      .filter((plugin): plugin is Record<string, unknown> => !!plugin)
      .flatMap((plugin) => ['onRequest', 'onRequestParse', 'onResponse'].filter((hook) => hook in plugin));
    expect(skipped).toEqual(['onRequest', 'onRequest', 'onRequestParse', 'onRequestParse', 'onRequestParse', 'onRequestParse', 'onRequestParse', 'onRequest', 'onRequestParse', 'onRequest', 'onRequestParse']);
  });
});
