// GraphiQL comes from the installed package and this service alone: the page loads nothing from another
// host, every file it names answers from here, and its Content-Security-Policy allows no more than that.
// With Chromium installed (CHROMIUM_PATH, or /usr/bin/chromium), a headless browser that may reach nothing
// but this server renders it and runs a query; without one, that test is skipped.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeed } from '../src/data/seed.js';
import { GRAPHIQL_ASSETS } from '../src/http/graphiql.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let db: TestDatabase;
let server: TestServer;
let disabled: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  await loadSeed(db.sql);
  server = await startTestServer(db.url);
  disabled = await startTestServer(db.url, { config: { graphiql: false } });
});

afterAll(async () => {
  await server?.stop();
  await disabled?.stop();
  await db?.drop();
});

const page = (url: string) => fetch(url, { headers: { accept: 'text/html' } });

/** Every `src` and `href` in the markup. */
function references(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']*)["']/gi)].map((match) => match[1]!);
}

/** The policy as a map from directive to its sources. */
function policy(header: string | null): Map<string, string[]> {
  return new Map(
    (header ?? '')
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

describe('GraphiQL', () => {
  it('is a page whose every script and stylesheet answers from this origin', async () => {
    const response = await page(server.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).not.toMatch(/unpkg|jsdelivr|cdn/i);
    expect(html).not.toMatch(/\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    const refs = references(html);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const ref of refs) {
      const resolved = new URL(ref, server.url);
      expect(resolved.origin, ref).toBe(new URL(server.url).origin);
      const file = await fetch(resolved);
      expect(file.status, ref).toBe(200);
      expect((await file.arrayBuffer()).byteLength, ref).toBeGreaterThan(0);
    }
    // No inline script: the only <script> without src is the options, as data.
    for (const script of html.matchAll(/<script\b([^>]*)>/gi)) {
      expect(script[1]).toMatch(/\bsrc=|type="application\/json"/);
    }
  });

  it('starts its editor workers from files of this origin, which answer too', async () => {
    const script = await (await fetch(new URL(`${GRAPHIQL_ASSETS}graphiql.js`, server.url))).text();
    const workers = [...new Set(script.match(/\/graphiql\/[a-z]+\.worker\.js/g))];
    expect(workers).toHaveLength(3);
    for (const worker of workers) {
      const file = await fetch(new URL(worker, server.url));
      expect(file.status, worker).toBe(200);
      expect(file.headers.get('content-type')).toMatch(/^text\/javascript/);
    }
  });

  it('sends a policy that allows scripts, styles, workers and requests from this origin only', async () => {
    const csp = policy((await page(server.url)).headers.get('content-security-policy'));
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('worker-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    for (const [directive, sources] of csp) {
      for (const source of sources) expect(source, directive).toMatch(/^('self'|'none'|'unsafe-inline'|data:)$/);
    }
    // JSON answers allow nothing at all.
    const json = policy((await fetch(`${server.url}?query=%7B__typename%7D`)).headers.get('content-security-policy'));
    expect(json.get('default-src')).toEqual(["'none'"]);
    expect(json.has('script-src')).toBe(false);
  });

  it('comes from the render-graphiql release of the installed graphql-yoga', () => {
    const version = (name: string) =>
      (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
    expect(version('@graphql-yoga/render-graphiql')).toBe(version('graphql-yoga'));
  });

  it('revalidates its files by ETag', async () => {
    const url = new URL(`${GRAPHIQL_ASSETS}graphiql.css`, server.url);
    const first = await fetch(url);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    expect((await fetch(url, { headers: { 'if-none-match': etag! } })).status).toBe(304);
    expect((await fetch(new URL(`${GRAPHIQL_ASSETS}nothing.js`, server.url))).status).toBe(404);
  });

  it('is neither a page nor files with GRAPHIQL=false', async () => {
    const response = await page(disabled.url);
    expect(await response.text()).not.toMatch(/<html/i);
    expect(policy(response.headers.get('content-security-policy')).has('script-src')).toBe(false);
    expect((await fetch(new URL(`${GRAPHIQL_ASSETS}graphiql.js`, disabled.url))).status).toBe(404);
  });
});

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const playwright = await import('playwright-core').catch(() => undefined);

describe.skipIf(!existsSync(chromiumPath) || !playwright)('GraphiQL in a browser without the internet', () => {
  it('renders and runs its query, loading nothing from elsewhere, with no policy violation', { timeout: 120_000 }, async () => {
    const browser = await playwright!.chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    try {
      const tab = await browser.newPage();
      const origin = new URL(server.url).origin;
      const elsewhere: string[] = [];
      const problems: string[] = [];
      // Offline: whatever is not this server fails, as without a network.
      await tab.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(`${origin}/`)) return route.continue();
        elsewhere.push(url);
        return route.abort('internetdisconnected');
      });
      tab.on('pageerror', (error) => problems.push(error.message));
      tab.on('console', (message) => {
        if (/Content.Security.Policy|Refused to/i.test(message.text())) problems.push(message.text());
      });
      await tab.goto(server.url);
      await tab.waitForSelector('.graphiql-execute-button', { timeout: 90_000 });
      await tab.click('.graphiql-execute-button');
      await tab.waitForFunction(() => document.querySelector('.graphiql-response')?.textContent?.includes('"edges"'), undefined, { timeout: 60_000 });
      expect(elsewhere).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
