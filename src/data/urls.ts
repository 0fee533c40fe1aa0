// Query parameters that only say how a reader arrived at an article, never which article it is.
const TRACKING_PARAMS = new Set(['fbclid', 'gclid']);

function isTrackingParam(name: string): boolean {
  return name.toLowerCase().startsWith('utm_') || TRACKING_PARAMS.has(name.toLowerCase());
}

function decodedName(pair: string): string {
  const raw = pair.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

// The rule the database relies on for `reports.url_key`: lower-case scheme and host, no default port, no
// fragment, no utm_ / fbclid / gclid parameters, the rest sorted by name, no trailing slash except the root.
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
    .filter((pair) => pair !== '' && !isTrackingParam(decodedName(pair)));
  // A stable sort by name keeps repeated parameters (a=2&a=1) in their meaningful order.
  const sorted = pairs
    .map((pair, index) => ({ pair, index, name: decodedName(pair) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.index - b.index))
    .map((entry) => entry.pair);

  const path = parsed.pathname.replace(/\/+$/, '') || '/';
  const query = sorted.length > 0 ? `?${sorted.join('&')}` : '';
  // URL already lower-cases scheme and host and drops the scheme's default port.
  const auth = parsed.username ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ''}@` : '';
  return `${parsed.protocol}//${auth}${parsed.host}${path}${query}`;
}
