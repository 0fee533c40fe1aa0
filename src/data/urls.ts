// The one rule for a report's URL: which query parameters are tracking (dropped from the stored URL and
// from the identity), and what identifies an article (`reports.url_key`). Migration 012 re-keyed the rows
// stored under the earlier rule with SQL mirrors of this (report_url_rekey, report_url_clean);
// test/urls.test.ts checks that they agree with it.

// Query parameters that only say how a reader arrived at an article, never which article it is: campaign
// tags (utm_*), and the click ids of ad and social platforms and mailing tools.
const TRACKING_PARAMS = new Set([
  'fbclid', 'gclid', 'dclid', 'gbraid', 'wbraid', 'msclkid', 'twclid', 'ttclid', 'li_fat_id', 'igshid', 'yclid',
  'mc_cid', 'mc_eid', '_hsenc', '_hsmi', 'mkt_tok', '_ga', '_gl',
]);

/** True for a tracking parameter, by its name as written (case aside): utm_* and the click ids above. */
export function isTrackingParam(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('utm_') || TRACKING_PARAMS.has(lower);
}

/** A query pair's name as written, up to the first '='. */
function rawName(pair: string): string {
  return pair.split('=', 1)[0] ?? '';
}

function decodedName(pair: string): string {
  const raw = rawName(pair).replace(/\+/g, ' ');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * The URL as given with its tracking parameters taken out of the query; everything else (scheme, host,
 * path, the other parameters in their order and encoding, the fragment) stays exactly as written, so the
 * stored link still leads where the source put it. A URL without tracking parameters is returned as is.
 */
export function cleanReportUrl(url: string): string {
  const match = /^([^?#]*)(?:\?([^#]*))?(#[\s\S]*)?$/.exec(url);
  if (!match || match[2] === undefined) return url;
  const pairs = match[2].split('&');
  if (!pairs.some((pair) => pair !== '' && isTrackingParam(rawName(pair)))) return url;
  const kept = pairs.filter((pair) => pair !== '' && !isTrackingParam(rawName(pair)));
  return `${match[1]}${kept.length > 0 ? `?${kept.join('&')}` : ''}${match[3] ?? ''}`;
}

/** The host without a leading "www." when what is left is still a domain ("www.bbc.com" -> "bbc.com", not "www.com" -> "com"). */
function bareHost(host: string): string {
  const hostname = host.replace(/:[0-9]+$/, '');
  return hostname.startsWith('www.') && hostname.slice(4).includes('.') ? host.slice(4) : host;
}

// The identity of a report (`reports.url_key`): one article, however its link was written. The scheme is
// always https (http and https of one page are one report), "www." is dropped from the host, and so are a
// port that is the default for the scheme given, the fragment, tracking parameters and a trailing slash
// (except the root's); the host is lower-cased, the other parameters sorted by name.
/** Normalises a report URL into its identity (`reports.url_key`); throws unless it is an absolute http(s) URL. */
export function normalizeReportUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new Error(`not a valid URL: "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`a report URL must use http or https, not ${parsed.protocol.replace(/:$/, '')}: "${url}"`);
  }
  if (!parsed.hostname) throw new Error(`a report URL needs a host: "${url}"`);

  // The raw pairs are kept as written: re-encoding them through URLSearchParams would turn "%20" into "+"
  // and "," into "%2C", so one article could get two keys depending on which form was stored first.
  const pairs = parsed.search
    .replace(/^\?/, '')
    .split('&')
    .filter((pair) => pair !== '' && !isTrackingParam(rawName(pair)));
  // A stable sort by name keeps repeated parameters (a=2&a=1) in their meaningful order.
  const sorted = pairs
    .map((pair, index) => ({ pair, index, name: decodedName(pair) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.index - b.index))
    .map((entry) => entry.pair);

  const path = parsed.pathname.replace(/\/+$/, '') || '/';
  const query = sorted.length > 0 ? `?${sorted.join('&')}` : '';
  // URL already lower-cases the host and drops the default port of the scheme it was given.
  const auth = parsed.username ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ''}@` : '';
  return `https://${auth}${bareHost(parsed.host)}${path}${query}`;
}
