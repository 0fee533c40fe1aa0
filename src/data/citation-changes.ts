// Adding a citation to a record, or removing one, after the record was written. Each change is a change
// of the record it supports: recorded in that record's history under the key that made it, and announced
// on its subscription topic (for incidents and actions, with a new version).
import type { Queryable, Sql } from '../db/index.js';
import { announce } from '../live/topic.js';
import { policyPositionTopic } from '../live/topics/policy-position.js';
import { reviseAction } from './action-changes.js';
import {
  checkCitation,
  citationsByIds,
  findCitation,
  insertCitations,
  quoteIsBacked,
  type CitationInput,
  type CitationRow,
  type CitationTarget,
} from './citations.js';
import { NotFoundError, ValidationError } from './errors.js';
import { appendRecordHistory } from './history.js';
import { attachCitedReports, reviseIncident, type Author } from './incident-changes.js';
import { positionSnapshot } from './policy-changes.js';
import { writeTransaction } from './transactions.js';

/** The record a citation supports. */
export interface CitationTargetRef {
  kind: CitationTarget;
  id: string;
}

/** Runs `change` as a change of the target record: history, version and event as that record's kind has them. */
async function reviseTarget(tx: Queryable, target: CitationTargetRef, author: Author, change: () => Promise<boolean>): Promise<void> {
  switch (target.kind) {
    case 'incident':
      await reviseIncident(tx, target.id, 'target', author, async () => {
        const changed = await change();
        await attachCitedReports(tx, target.id);
        return changed;
      });
      return;
    case 'action':
      await reviseAction(tx, target.id, 'target', author, change);
      return;
    case 'link': {
      const [link] = await tx<{ incident_id: string }[]>`select incident_id from incident_links where id = ${target.id}`;
      if (!link) throw new NotFoundError('target', `target: no incident link has id ${target.id}`);
      await reviseIncident(tx, link.incident_id, 'target', author, change);
      return;
    }
    case 'position': {
      const [position] = await tx`select 1 from policy_positions where id = ${target.id} for update`;
      if (!position) throw new NotFoundError('target', `target: no policy position has id ${target.id}`);
      const before = await positionSnapshot(tx, target.id);
      if (await change()) {
        await appendRecordHistory(tx, 'position', target.id, 'updated', before, await positionSnapshot(tx, target.id), author);
        // Its subscribers hear of it: a source is part of what the position is.
        await announce(tx, policyPositionTopic, 'position_updated', [{ id: target.id }]);
      }
    }
  }
}

/** Cites a report for a record (or one of an incident's impact figures); citing it again the same way changes nothing. */
export async function addCitation(
  sql: Sql,
  target: CitationTargetRef,
  input: CitationInput,
  author: Author,
): Promise<{ citation: CitationRow; created: boolean }> {
  const citation = checkCitation(input, target.kind);
  return writeTransaction(sql, async (tx) => {
    let created = false;
    await reviseTarget(tx, target, author, async () => {
      created = (await insertCitations(tx, '', target.kind, target.id, [citation])) > 0;
      return created;
    });
    return { citation: (await findCitation(tx, target.kind, target.id, citation))!, created };
  });
}

/**
 * Removes a citation. A position, action or link keeps at least one, and a position's quote keeps the
 * excerpt that backs it; an incident may be left without sources.
 */
export async function removeCitation(sql: Sql, citationId: string, author: Author): Promise<CitationRow> {
  return writeTransaction(sql, async (tx) => {
    const [citation] = await citationsByIds(tx, [citationId]);
    if (!citation) throw new NotFoundError('id', `no citation has id ${citationId}`);
    const target: CitationTargetRef = citation.incident_id
      ? { kind: 'incident', id: citation.incident_id }
      : citation.position_id
        ? { kind: 'position', id: citation.position_id }
        : citation.action_id
          ? { kind: 'action', id: citation.action_id }
          : { kind: 'link', id: citation.link_id! };
    await reviseTarget(tx, target, author, async () => {
      await tx`delete from citations where id = ${citationId}`;
      if (target.kind === 'incident') return true;
      const column = tx(target.kind === 'position' ? 'position_id' : target.kind === 'action' ? 'action_id' : 'link_id');
      const rest = await tx<{ excerpt: string | null }[]>`select excerpt from citations where ${column} = ${target.id}`;
      if (rest.length === 0) {
        throw new ValidationError('id', 'last-source', `this is the ${target.kind === 'link' ? 'link' : target.kind}'s only source; add another before removing it`);
      }
      if (target.kind === 'position') {
        const [position] = await tx<{ quote: string | null }[]>`select quote from policy_positions where id = ${target.id}`;
        if (position?.quote && !quoteIsBacked(position.quote, rest.map((row) => row.excerpt))) {
          throw new ValidationError('id', 'backs-quote', 'this citation\'s excerpt is what backs the position\'s quote; the quote cannot stand without it');
        }
      }
      return true;
    });
    return citation;
  });
}
