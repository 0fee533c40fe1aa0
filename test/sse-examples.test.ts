// The README's live examples work as written (with the server's URL, a key and a cursor put in for their
// placeholders): the curl command streams and resumes from Last-Event-ID, the fetch-based reader sends its key,
// resumes after a dropped connection and stops on a refused key, in Node; with Chromium installed
// (CHROMIUM_PATH, or /usr/bin/chromium), the EventSource example and the fetch reader run in a page of another
// origin, as on a dashboard; without it those two are skipped.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueKey } from '../src/auth/keys.js';
import { submitReport } from '../src/data/report-changes.js';
import { loadSeed } from '../src/data/seed.js';
import type { EventHub } from '../src/events/hub.js';
import type { LiveEventMap } from '../src/events/lifecycle.js';
import { encodeEventCursor } from '../src/events/cursor.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');

/** The README's code block of `language` that contains `marker`. */
function block(language: string, marker: string): string {
  const fence = new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  const found = [...README.matchAll(fence)].map((match) => match[1]!).filter((code) => code.includes(marker));
  expect(found, `one \`\`\`${language} block with ${marker}`).toHaveLength(1);
  return found[0]!;
}

/** The example with its placeholders filled in; each must be there. */
function filled(code: string, values: Record<string, string>): string {
  for (const [placeholder, value] of Object.entries(values)) {
    expect(code, placeholder).toContain(placeholder);
    code = code.split(placeholder).join(value);
  }
  return code;
}

const README_URL = 'http://localhost:4000/graphql';

let db: TestDatabase;
let open: TestServer;
let keyed: TestServer;
let mexico: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await loadSeed(db.sql);
  const [incident] = await db.sql<{ id: string }[]>`select id::text from incidents where 'MX' = any(countries) order by id limit 1`;
  mexico = incident!.id;
  open = await startTestServer(db.url);
  keyed = await startTestServer(db.url, { requireReadKey: true });
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await open?.stop();
  await keyed?.stop();
  await db?.drop();
});

let reports = 0;
async function report(title: string, incidentIds: string[] = []): Promise<string> {
  await submitReport(db.sql, { url: `https://sse-examples.example.org/${++reports}`, title, publisher: 'p', incidentIds });
  return title;
}

/** Resolves with the payload of the hub's next lifecycle event `name`. */
function next<K extends keyof LiveEventMap>(hub: EventHub, name: K): Promise<LiveEventMap[K][0]> {
  return new Promise((resolve) => hub.once(name, ((payload: LiveEventMap[K][0]) => resolve(payload)) as never));
}

/** A process whose output a test waits on: `until(text)` resolves once stdout holds it, rejects if it exits first. */
function run(command: string, args: string[]) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const waiter of [...waiters]) waiter();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return {
    exited,
    stderr: () => stderr,
    until: (text: string) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          if (stdout.includes(text)) resolve(stdout);
        };
        waiters.push(check);
        check();
        void exited.then((code) => reject(new Error(`exited (${code}) before printing ${text}: ${stdout}${stderr}`)));
      }),
    stop: () => child.kill('SIGKILL'),
  };
}

describe('the curl example', () => {
  it('replays what came after Last-Event-ID, then streams new reports', async () => {
    await report('Curl before the cursor');
    const [last] = await db.sql<{ id: string }[]>`select max(id)::text as id from events`;
    const missed = await report('Curl missed');
    const command = filled(block('sh', 'curl -N -G'), { [README_URL]: open.url, '<cursor>': encodeEventCursor(last!.id) });
    const curl = run('bash', ['-c', command]);
    const replayed = await curl.until(missed);
    expect(replayed).not.toContain('Curl before the cursor');
    expect(replayed).toMatch(/^id: \S+$/m);
    const live = await report('Curl live');
    await curl.until(live);
    curl.stop();
  });
});

describe('the fetch-based SSE reader', () => {
  const reader = block('js', 'async function subscribe(');

  it('sends its key, and after a dropped connection resumes from the last message', async () => {
    const { key } = await issueKey(db.sql, 'sse reader', 'reader');
    const subscribed = next(keyed.events, 'subscriber:subscribed');
    const node = run(process.execPath, ['-e', filled(reader, { [README_URL]: keyed.url, '<reader key>': key })]);
    expect(await subscribed).toMatchObject({ topic: 'reportAdded', replay: false });
    await node.until(`ADDED ${await report('Reader live')}`);

    // The server drops every connection; the reader comes back with Last-Event-ID, so it replays from there.
    const resubscribed = next(keyed.events, 'subscriber:subscribed');
    keyed.server.httpServer.closeAllConnections();
    const missed = await report('Reader while away');
    expect(await resubscribed).toMatchObject({ topic: 'reportAdded', replay: true });
    await node.until(`ADDED ${missed}`);
    await node.until(`ADDED ${await report('Reader live again')}`);
    node.stop();
  });

  it('stops with the reason when its key is refused', async () => {
    const node = run(process.execPath, ['-e', filled(reader, { [README_URL]: keyed.url, '<reader key>': 'not-a-key' })]);
    expect(await node.exited).toBe(0);
    expect(node.stderr()).toContain('subscription refused: HTTP 401');
  });
});

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const playwright = await import('playwright-core').catch(() => undefined);

describe.skipIf(!existsSync(chromiumPath) || !playwright)('in a browser, from a page of another origin', () => {
  /**
   * Runs `code` in a fresh page of a dashboard: a site of its own on another port, so another origin (on the
   * loopback address too, or Chromium's local network access rules would refuse a page elsewhere to reach it).
   */
  async function inPage(code: string, work: (printed: (text: string) => Promise<void>) => Promise<void>): Promise<void> {
    const site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>Dashboard</title>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const browser = await playwright!.chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const lines: string[] = [];
      const waiters: Array<() => void> = [];
      page.on('console', (message) => {
        lines.push(message.text());
        for (const waiter of [...waiters]) waiter();
      });
      await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
      await page.addScriptTag({ content: code });
      await work(
        (text) =>
          new Promise((resolve) => {
            const check = () => lines.some((line) => line.includes(text)) && resolve();
            waiters.push(check);
            check();
          }),
      );
    } finally {
      await browser.close();
      await new Promise((resolve) => site.close(resolve));
    }
  }

  it('the EventSource example prints new reports', { timeout: 60_000 }, async () => {
    const subscribed = next(open.events, 'subscriber:subscribed');
    await inPage(filled(block('js', 'new EventSource('), { [README_URL]: open.url }), async (printed) => {
      await subscribed;
      await printed(`ADDED ${await report('EventSource report', [mexico])}`);
    });
  });

  it('the fetch-based reader sends its key from the page', { timeout: 60_000 }, async () => {
    const { key } = await issueKey(db.sql, 'sse page reader', 'reader');
    const subscribed = next(keyed.events, 'subscriber:subscribed');
    await inPage(filled(block('js', 'async function subscribe('), { [README_URL]: keyed.url, '<reader key>': key }), async (printed) => {
      await subscribed;
      await printed(`ADDED ${await report('Page reader report')}`);
    });
  });
});
