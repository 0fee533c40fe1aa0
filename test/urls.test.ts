import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanReportUrl, normalizeReportUrl } from '../src/data/urls.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

describe('normalizeReportUrl', () => {
  it('lower-cases the host but not the path, and drops a leading www.', () => {
    expect(normalizeReportUrl('HTTPS://WWW.Example.COM/News/Story')).toBe('https://example.com/News/Story');
    expect(normalizeReportUrl('https://www.com/a')).toBe('https://www.com/a');
    expect(normalizeReportUrl('https://www2.example.com/a')).toBe('https://www2.example.com/a');
  });

  it('makes http and https of one page one key', () => {
    expect(normalizeReportUrl('http://example.com/a')).toBe('https://example.com/a');
    expect(normalizeReportUrl('http://www.example.com/a')).toBe(normalizeReportUrl('https://example.com/a'));
  });

  it('drops default ports and keeps others', () => {
    expect(normalizeReportUrl('http://example.com:80/a')).toBe('https://example.com/a');
    expect(normalizeReportUrl('http://example.com:443/a')).toBe('https://example.com:443/a');
    expect(normalizeReportUrl('https://example.com:443/a')).toBe('https://example.com/a');
    expect(normalizeReportUrl('https://example.com:8443/a')).toBe('https://example.com:8443/a');
  });

  it('drops the fragment', () => {
    expect(normalizeReportUrl('https://example.com/a#section-2')).toBe('https://example.com/a');
  });

  it('drops the click ids of ad, social and mailing tools too', () => {
    expect(normalizeReportUrl('https://example.com/a?msclkid=1&id=3&mc_cid=2&_hsenc=x&igshid=y&gbraid=z')).toBe('https://example.com/a?id=3');
  });

  it('drops tracking parameters and sorts the rest by name', () => {
    expect(normalizeReportUrl('https://example.com/a?b=2&utm_source=x&a=1&fbclid=y&UTM_Medium=z&gclid=w')).toBe(
      'https://example.com/a?a=1&b=2',
    );
  });

  it('leaves no question mark when only tracking parameters were present', () => {
    expect(normalizeReportUrl('https://example.com/a?utm_campaign=launch&')).toBe('https://example.com/a');
  });

  it('keeps the order of a repeated parameter and its raw encoding', () => {
    expect(normalizeReportUrl('https://example.com/s?q=a%20b&tag=2&tag=1&id=7')).toBe(
      'https://example.com/s?id=7&q=a%20b&tag=2&tag=1',
    );
  });

  it('drops a trailing slash except on the root path', () => {
    expect(normalizeReportUrl('https://example.com/news/story/')).toBe('https://example.com/news/story');
    expect(normalizeReportUrl('https://example.com/')).toBe('https://example.com/');
    expect(normalizeReportUrl('https://example.com')).toBe('https://example.com/');
    expect(normalizeReportUrl('https://example.com/?b=1&a=2')).toBe('https://example.com/?a=2&b=1');
  });

  it('treats variants of one article as one key, and is stable when applied twice', () => {
    const variants = [
      'https://News.Example.com/2026/02/story/',
      'https://news.example.com:443/2026/02/story?utm_source=newsletter#comments',
      '  https://news.example.com/2026/02/story?fbclid=abc  ',
    ];
    const keys = new Set(variants.map(normalizeReportUrl));
    expect([...keys]).toEqual(['https://news.example.com/2026/02/story']);
    for (const key of keys) expect(normalizeReportUrl(key)).toBe(key);
  });

  it('throws a clear error for URLs that are not http(s) or cannot be parsed', () => {
    expect(() => normalizeReportUrl('ftp://example.com/file')).toThrow(/http or https/);
    expect(() => normalizeReportUrl('mailto:editor@example.com')).toThrow(/http or https/);
    expect(() => normalizeReportUrl('javascript:alert(1)')).toThrow(/http or https/);
    expect(() => normalizeReportUrl('not a url')).toThrow(/not a valid URL/);
    expect(() => normalizeReportUrl('')).toThrow(/not a valid URL/);
    expect(() => normalizeReportUrl('/relative/path')).toThrow(/not a valid URL/);
  });
});

describe('cleanReportUrl', () => {
  it('takes tracking parameters out of the stored URL and leaves everything else as written', () => {
    expect(cleanReportUrl('http://WWW.Example.com/A/?b=2&utm_source=x&a=1#Part-2')).toBe('http://WWW.Example.com/A/?b=2&a=1#Part-2');
    expect(cleanReportUrl('https://example.com/a?utm_source=x&fbclid=y')).toBe('https://example.com/a');
    expect(cleanReportUrl('https://example.com/a?utm_source=x#top')).toBe('https://example.com/a#top');
    expect(cleanReportUrl('https://example.com/a?b=2&&a=1')).toBe('https://example.com/a?b=2&&a=1');
    expect(cleanReportUrl('https://example.com/a#frag?utm_source=x')).toBe('https://example.com/a#frag?utm_source=x');
  });
});

// Migration 012 re-keyed stored reports with SQL mirrors of these rules; they must agree with the
// TypeScript, the rule the service applies. The corpus crosses every part the rules touch.
describe('the SQL mirrors used by migration 012', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  const queries = ['', '?a=1', '?utm_source=x', '?a=1&b=2&utm_medium=y', '?fbclid=1&gclid=2', '?id=7&msclkid=3&q=a%20b', '?a=2&a=1&_ga=1', '?MC_CID=x&z=1'];
  const hosts = ['example.com', 'www.example.com', 'www.com', 'news.example.co.uk', 'www.news.example.org', '127.0.0.1', '[::1]'];
  const ports = ['', ':8080', ':443', ':80'];
  const paths = ['/', '/a', '/News/Story', '/a/b.html'];

  it('re-keys a key of the earlier rule to what normalizeReportUrl gives', async () => {
    // Keys as the earlier rule wrote them: canonical URLs, parameters sorted, either scheme, any host.
    const keys = ['http', 'https'].flatMap((scheme) =>
      hosts.flatMap((host) => ports.flatMap((port) => paths.flatMap((path) => queries.map((query) => normalizeLikeBefore(`${scheme}://${host}${port}${path}${query}`))))),
    );
    const rows = await database.sql<{ key: string; rekeyed: string }[]>`
      select k as key, report_url_rekey(k) as rekeyed from unnest(${[...new Set(keys)]}::text[]) k
    `;
    expect(rows.length).toBeGreaterThan(1000);
    for (const row of rows) expect(row.rekeyed, row.key).toBe(normalizeReportUrl(row.key));
  });

  it('cleans a stored URL as cleanReportUrl does', async () => {
    const urls = ['https://Example.com', 'http://www.example.com:8080'].flatMap((base) =>
      paths.flatMap((path) => queries.flatMap((query) => ['', '#frag', '#x?utm_source=1'].map((fragment) => `${base}${path}${query}${fragment}`))),
    );
    urls.push('https://example.com/a?b=2&&utm_source=1&a=1', 'https://example.com/a?', 'https://example.com/a?&utm_term=1&');
    const rows = await database.sql<{ url: string; cleaned: string }[]>`
      select u as url, report_url_clean(u) as cleaned from unnest(${urls}::text[]) u
    `;
    for (const row of rows) expect(row.cleaned, row.url).toBe(cleanReportUrl(row.url));
  });
});

/** The earlier rule's key: scheme and www kept, only utm_*, fbclid and gclid dropped; parameters sorted by name. */
function normalizeLikeBefore(url: string): string {
  const parsed = new URL(url);
  const pairs = parsed.search
    .replace(/^\?/, '')
    .split('&')
    .filter((pair) => pair !== '' && !/^(utm_|fbclid=|gclid=|fbclid$|gclid$)/i.test(pair))
    .map((pair, index) => ({ pair, index, name: pair.split('=', 1)[0]! }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.index - b.index))
    .map((entry) => entry.pair);
  const path = parsed.pathname.replace(/\/+$/, '') || '/';
  return `${parsed.protocol}//${parsed.host}${path}${pairs.length > 0 ? `?${pairs.join('&')}` : ''}`;
}
