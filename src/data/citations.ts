// Citations: which report supports which claim of which record. Reads and the checked insert every write
// of a cited record shares; adding and removing a citation on its own is in citation-changes.ts.
import type { Fragment } from 'postgres';
import type { Queryable } from '../db/index.js';
import { NotFoundError, ValidationError } from './errors.js';
import { byIds, groupByParent } from './pagination.js';
import * as check from './validate.js';

export const CITATION_CLAIMS = ['record', 'records_affected', 'bytes_affected', 'data_categories'] as const;
export type CitationClaim = (typeof CITATION_CLAIMS)[number];

/** The kinds of record a citation can support, and the column that points at each. */
export const CITATION_TARGETS = { incident: 'incident_id', position: 'position_id', action: 'action_id', link: 'link_id' } as const;
export type CitationTarget = keyof typeof CITATION_TARGETS;

/** A `citations` row. */
export interface CitationRow {
  id: string;
  report_id: string;
  incident_id: string | null;
  position_id: string | null;
  action_id: string | null;
  link_id: string | null;
  claim: CitationClaim;
  excerpt: string | null;
  locator: string | null;
  created_at: Date;
}

/** A citation as a write gives it. */
export interface CitationInput {
  reportId: string;
  claim?: CitationClaim | null | undefined;
  excerpt?: string | null | undefined;
  locator?: string | null | undefined;
}

/** A citation checked and canonicalised, ready to insert. */
export interface CheckedCitation {
  reportId: string;
  claim: CitationClaim;
  excerpt: string | null;
  locator: string | null;
}

const columns = (sql: Queryable) => sql`
  c.id, c.report_id, c.incident_id, c.position_id, c.action_id, c.link_id, c.claim, c.excerpt, c.locator, c.created_at
`;

/**
 * Checks one citation: lengths, and impact claims only where the record is an incident. Errors name the
 * field as `prefix` + its name ("sources[2].excerpt").
 */
export function checkCitation(input: CitationInput, target: CitationTarget, prefix = ''): CheckedCitation {
  const claim = input.claim ?? 'record';
  if (claim !== 'record' && target !== 'incident') {
    throw new ValidationError(`${prefix}claim`, 'record-only', `${prefix}claim: only an incident's impact figures take claims other than RECORD`);
  }
  return {
    reportId: input.reportId,
    claim,
    excerpt: check.optionalText(`${prefix}excerpt`, input.excerpt, 500),
    locator: check.optionalText(`${prefix}locator`, input.locator, 200),
  };
}

/** Checks the citations given with a write (`field` names the list, "sources"); duplicates are dropped. */
export function checkCitations(field: string, inputs: readonly CitationInput[], target: CitationTarget): CheckedCitation[] {
  if (inputs.length > 50) throw new ValidationError(field, 'max-items', `${field} may hold at most 50 citations`);
  const unique = new Map<string, CheckedCitation>();
  inputs.forEach((input, i) => {
    const citation = checkCitation(input, target, `${field}[${i}].`);
    unique.set(JSON.stringify(citation), citation);
  });
  return [...unique.values()];
}

/**
 * Inserts citations of one record inside its write transaction, after checking that every report exists;
 * a citation already on record (same report, claim, excerpt and locator) is left as it is. The caller holds
 * the record's row lock, or has just created the record, so two writers cannot both add the same one.
 * Returns how many were new.
 */
export async function insertCitations(
  tx: Queryable,
  field: string,
  target: CitationTarget,
  targetId: string,
  citations: readonly CheckedCitation[],
): Promise<number> {
  if (citations.length === 0) return 0;
  const reportIds = [...new Set(citations.map((c) => c.reportId))];
  const present = await tx<{ id: string }[]>`select id from reports where id = any(${reportIds})`;
  const index = citations.findIndex((c) => !present.some((row) => row.id === c.reportId));
  if (index >= 0) {
    const name = field ? `${field}[${index}].report` : 'report';
    throw new NotFoundError(name, `${name}: no report has id ${citations[index]!.reportId}`);
  }
  const column = tx(CITATION_TARGETS[target]);
  const inserted = await tx<{ id: string }[]>`
    insert into citations (${column}, report_id, claim, excerpt, locator)
    select ${targetId}, n.report_id, n.claim, n.excerpt, n.locator
    from jsonb_to_recordset(${tx.json(citations.map((c) => ({ report_id: c.reportId, claim: c.claim, excerpt: c.excerpt, locator: c.locator })))})
      as n (report_id bigint, claim text, excerpt text, locator text)
    where not exists (
      select 1 from citations c
      where c.${column} = ${targetId} and c.report_id = n.report_id and c.claim = n.claim
        and c.excerpt is not distinct from n.excerpt and c.locator is not distinct from n.locator
    )
    returning id
  `;
  return inserted.length;
}

/** The citation of `target` matching `citation` exactly, if there is one. */
export async function findCitation(
  sql: Queryable,
  target: CitationTarget,
  targetId: string,
  citation: CheckedCitation,
): Promise<CitationRow | null> {
  const [row] = await sql<CitationRow[]>`
    select ${columns(sql)} from citations c
    where c.${sql(CITATION_TARGETS[target])} = ${targetId} and c.report_id = ${citation.reportId} and c.claim = ${citation.claim}
      and c.excerpt is not distinct from ${citation.excerpt} and c.locator is not distinct from ${citation.locator}
  `;
  return row ?? null;
}

/** The citations of each record of one kind, newest publication first (then newest citation), grouped per record id. */
export async function citationsOf(sql: Queryable, target: CitationTarget, ids: readonly string[]): Promise<CitationRow[][]> {
  const column = sql(CITATION_TARGETS[target]);
  const rows = await sql<(CitationRow & { parent_id: string })[]>`
    select ${columns(sql)}, c.${column} as parent_id
    from citations c join reports r on r.id = c.report_id
    where c.${column} = any(${ids})
    order by c.${column}, r.published_sort desc, c.id desc
  `;
  return groupByParent(ids, rows);
}

/** Citations by id, in the order asked. */
export async function citationsByIds(sql: Queryable, ids: readonly string[]): Promise<(CitationRow | null)[]> {
  return byIds(ids, await sql<CitationRow[]>`select ${columns(sql)} from citations c where c.id = any(${ids})`);
}

/** True when `quote` appears, exactly as written, in one of the excerpts. */
export function quoteIsBacked(quote: string, excerpts: readonly (string | null)[]): boolean {
  return excerpts.some((excerpt) => excerpt !== null && excerpt.includes(quote));
}

/** The citations of a record as its history snapshot stores them, in a stable order. */
export function citationSnapshot(sql: Queryable, target: CitationTarget, idColumn: Fragment) {
  const column = sql(CITATION_TARGETS[target]);
  return sql`
    (select coalesce(jsonb_agg(jsonb_build_object('report_id', c.report_id::text, 'claim', c.claim, 'excerpt', c.excerpt,
       'locator', c.locator) order by c.report_id, c.claim, c.excerpt, c.locator), '[]')
     from citations c where c.${column} = ${idColumn})
  `;
}
