import type { Fragment } from 'postgres';
import type { Queryable } from '../db/index.js';

/** Longest search text accepted; longer input is refused rather than truncated mid-word. */
export const MAX_SEARCH_LENGTH = 500;

/** One term of a search: a word or a "quoted phrase", possibly -excluded. */
export interface SearchTerm {
  text: string;
  phrase: boolean;
  negated: boolean;
}

/**
 * Parses web-search syntax as PostgreSQL's websearch_to_tsquery reads it: words and "quoted phrases" are
 * all required, `or` between two of them makes either do, a leading `-` excludes. Returns OR-ed groups of
 * AND-ed terms. Never fails: an unbalanced quote runs to the end, a lone `-` or a stray `or` is ignored.
 */
export function parseSearchTerms(text: string): SearchTerm[][] {
  const groups: SearchTerm[][] = [[]];
  const space = /\s/;
  let i = 0;
  while (i < text.length) {
    if (space.test(text[i]!)) {
      i += 1;
      continue;
    }
    let negated = false;
    if (text[i] === '-') {
      i += 1;
      if (i >= text.length || space.test(text[i]!)) continue;
      negated = true;
    }
    if (text[i] === '"') {
      const close = text.indexOf('"', i + 1);
      const end = close === -1 ? text.length : close;
      groups.at(-1)!.push({ text: text.slice(i + 1, end), phrase: true, negated });
      i = end + 1;
      continue;
    }
    let end = i;
    while (end < text.length && !space.test(text[end]!) && text[end] !== '"') end += 1;
    const word = text.slice(i, end);
    i = end;
    if (!negated && word.toLowerCase() === 'or') {
      if (groups.at(-1)!.length > 0) groups.push([]);
      continue;
    }
    groups.at(-1)!.push({ text: word, phrase: false, negated });
  }
  return groups.filter((group) => group.length > 0);
}

/**
 * Prefixes that security writing closes up with the next word ("cyberespionage", "ciberataque"). PostgreSQL
 * has no compound splitting without dictionary files on the server, so a word is also looked up with
 * each prefix joined on ("espionage" finds "cyberespionage"), and a word that starts with one is also
 * looked up as the two-word phrase ("cyberespionage" finds "cyber espionage" and "cyber-espionage").
 */
export const COMPOUND_PREFIXES = ['cyber', 'ciber'] as const;

/** The other spellings a word is looked up under: its compound forms (see COMPOUND_PREFIXES). */
export function compoundForms(word: string): string[] {
  const lower = word.toLowerCase();
  const prefix = COMPOUND_PREFIXES.find((p) => lower.startsWith(p));
  if (prefix) return lower.length >= prefix.length + 3 ? [`${lower.slice(0, prefix.length)} ${lower.slice(prefix.length)}`] : [];
  return COMPOUND_PREFIXES.map((p) => `${p}${lower}`);
}

/** ORs or ANDs fragments as a balanced tree, so a long search stays a shallow expression. */
function combine(sql: Queryable, parts: Fragment[], op: 'and' | 'or'): Fragment {
  if (parts.length === 1) return parts[0]!;
  const middle = Math.ceil(parts.length / 2);
  const left = combine(sql, parts.slice(0, middle), op);
  const right = combine(sql, parts.slice(middle), op);
  return op === 'and' ? sql`(${left} && ${right})` : sql`(${left} || ${right})`;
}

function termQuery(sql: Queryable, term: SearchTerm): Fragment {
  let query = sql`search_term(${term.text}::text)`;
  if (!term.phrase) {
    const forms = compoundForms(term.text);
    // A stop word stays dropped even though "cyber" + it is a word.
    if (forms.length > 0) {
      const any = combine(sql, [query, ...forms.map((form) => sql`search_term(${form}::text)`)], 'or');
      query = sql`(case when numnode(${query}) = 0 then ''::tsquery else ${any} end)`;
    }
  }
  return term.negated ? sql`(!! ${query})` : query;
}

/**
 * The tsquery of a user's search text (web-search syntax: "quoted phrase", OR, -excluded). Each term
 * matches in English or in Spanish stems, accents ignored; an exclusion excludes in both (see
 * sql/migrations/011_search_terms.sql). Built once per statement (an uncorrelated subquery), not per row.
 */
export function searchQuery(sql: Queryable, text: string): Fragment {
  const groups = parseSearchTerms(text);
  if (groups.length === 0) return sql`''::tsquery`;
  const query = combine(sql, groups.map((group) => combine(sql, group.map((term) => termQuery(sql, term)), 'and')), 'or');
  return sql`(select ${query})`;
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
