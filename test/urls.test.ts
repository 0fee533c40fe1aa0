import { describe, expect, it } from 'vitest';
import { normalizeReportUrl } from '../src/data/urls.js';

describe('normalizeReportUrl', () => {
  it('lower-cases scheme and host but not the path', () => {
    expect(normalizeReportUrl('HTTPS://WWW.Example.COM/News/Story')).toBe('https://www.example.com/News/Story');
  });

  it('drops default ports and keeps others', () => {
    expect(normalizeReportUrl('http://example.com:80/a')).toBe('http://example.com/a');
    expect(normalizeReportUrl('https://example.com:443/a')).toBe('https://example.com/a');
    expect(normalizeReportUrl('https://example.com:8443/a')).toBe('https://example.com:8443/a');
  });

  it('drops the fragment', () => {
    expect(normalizeReportUrl('https://example.com/a#section-2')).toBe('https://example.com/a');
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
