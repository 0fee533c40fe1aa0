import type { Queryable } from '../db/index.js';

/** Longest search text accepted; longer input is refused rather than truncated mid-word. */
export const MAX_SEARCH_LENGTH = 500;

/**
 * The tsquery of a user's search text: web-search syntax ("quoted phrase", OR, -excluded), parsed with the
 * English and the Spanish configuration and OR-ed, so either language's stems match. websearch_to_tsquery
 * never raises on malformed input (an unbalanced quote is read as if closed) except on stacked negations.
 */
export function searchQuery(sql: Queryable, text: string) {
  const query = withoutStackedNegations(text);
  return sql`(websearch_to_tsquery('faultline_english', ${query}) || websearch_to_tsquery('faultline_spanish', ${query}))`;
}

/**
 * Collapses runs of `-` (with or without spaces between) into one: websearch_to_tsquery stacks a NOT per dash
 * and fails with "tsquery stack too small" from 32 of them, and two NOTs in a row exclude nothing more.
 */
export function withoutStackedNegations(text: string): string {
  return text.replace(/-(?:\s*-)+/g, '-');
}

/** Marks ts_headline puts around matched words: control characters no stored text contains. */
export const HIGHLIGHT_OPTIONS =
  'StartSel=\u0002, StopSel=\u0003, MaxFragments=2, MaxWords=20, MinWords=8, FragmentDelimiter=" … "';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Turns a ts_headline result into safe HTML: text escaped, matched words in <mark>. */
export function highlightHtml(headline: string): string {
  return headline
    .replace(/[&<>"']/g, (char) => ESCAPES[char]!)
    .replaceAll('\u0002', '<mark>')
    .replaceAll('\u0003', '</mark>');
}
