// The actor and the target an ATLAS case study names, as Faultline actors and AI systems. A name that
// matches a record already there (case-insensitively: an actor's name or alias; an AI system's name, or its
// name after its developer's name or alias, so ATLAS's "Anthropic Claude" is the Claude on record) links to
// it; any other name becomes a new record marked as imported from ATLAS. Nothing is guessed about a new
// record beyond its name: an actor's kind is "other", an AI system's developer is unknown.
import type { Queryable } from '../db/index.js';
import { noticeCatalogChange } from './catalog-notice.js';
import { slugify } from './validate.js';

/** The provenance marker of records the ATLAS importer creates (the `imported_from` columns). */
export const ATLAS_SOURCE = 'mitre_atlas';

// Values ATLAS puts where no one is named ("Unknown", "Unknown Threat Actor", "Two individuals",
// "Multiple systems"): a record called "Unknown" would claim a party the case study does not name.
const UNNAMED = /^(unknown\b|unnamed\b|multiple\b|various\b|n\/a$|none$|(one|two|three|four|five|several|some) individuals?$)/i;

/** The party a case study's actor or target field names, or null when it names none. */
export function namedParty(value: string | null): string | null {
  if (value === null) return null;
  const name = value.replace(/\s+/g, ' ').trim();
  if (name === '' || UNNAMED.test(name)) return null;
  // The column holds 200 characters; a longer value is a description rather than a name.
  return name.length <= 200 ? name : null;
}

/** The slug a record created for an ATLAS name gets: "atlas-" and the slugified name, e.g. "atlas-embrace-the-red". */
export function atlasPartySlug(name: string): string {
  return `atlas-${slugify(name)}`.slice(0, 120).replace(/-+$/, '');
}

/** Names resolved to record ids (keyed by the lower-cased name), and how many were matched or created. */
export interface ResolvedParties {
  ids: Map<string, string>;
  matched: number;
  created: number;
}

const key = (name: string) => name.toLowerCase();

/** Finds or creates an actor for each name, in one statement per step. */
export async function resolveActors(tx: Queryable, names: readonly string[]): Promise<ResolvedParties> {
  const wanted = [...new Set(names.map(key))];
  if (wanted.length === 0) return { ids: new Map(), matched: 0, created: 0 };
  // A name beats an alias, then the oldest record: the same name always resolves to the same actor.
  const found = await tx<{ key: string; id: string }[]>`
    select distinct on (n.key) n.key, a.id::text as id
    from unnest(${wanted}::text[]) as n(key)
    join actors a on lower(a.name) = n.key or n.key = any(select lower(x) from unnest(a.aliases) x)
    order by n.key, (lower(a.name) = n.key) desc, a.id
  `;
  const ids = new Map(found.map((row) => [row.key, row.id]));
  const created = await createMissing(tx, 'actors', names, ids);
  return { ids, matched: found.length, created };
}

/** Finds or creates an AI system for each name, in one statement per step. */
export async function resolveAiSystems(tx: Queryable, names: readonly string[]): Promise<ResolvedParties> {
  const wanted = [...new Set(names.map(key))];
  if (wanted.length === 0) return { ids: new Map(), matched: 0, created: 0 };
  const found = await tx<{ key: string; id: string }[]>`
    select distinct on (n.key) n.key, s.id::text as id
    from unnest(${wanted}::text[]) as n(key)
    join ai_systems s on lower(s.name) = n.key
      or exists (
        select 1 from actors d
        where d.id = s.developer_id
          and (lower(d.name || ' ' || s.name) = n.key
            or n.key = any(select lower(x || ' ' || s.name) from unnest(d.aliases) x))
      )
    order by n.key, (lower(s.name) = n.key) desc, s.id
  `;
  const ids = new Map(found.map((row) => [row.key, row.id]));
  const created = await createMissing(tx, 'ai_systems', names, ids);
  return { ids, matched: found.length, created };
}

interface NewRow {
  slug: string;
  name: string;
  imported_from: string;
  kind: string;
}

/** Inserts a record for every name not in `ids` and adds it there; returns how many rows it inserted. */
async function createMissing(tx: Queryable, table: 'actors' | 'ai_systems', names: readonly string[], ids: Map<string, string>): Promise<number> {
  const bySlug = new Map<string, NewRow>();
  for (const name of names) {
    if (ids.has(key(name))) continue;
    const slug = atlasPartySlug(name);
    // Two spellings of one name ("O'Reilly", "O’Reilly") share a slug: the first spelling names the record.
    if (!bySlug.has(slug)) bySlug.set(slug, { slug, name, imported_from: ATLAS_SOURCE, kind: table === 'actors' ? 'other' : 'product' });
  }
  const rows = [...bySlug.values()];
  if (rows.length === 0) return 0;
  // Both need a kind: an actor's "other" says no more than ATLAS does; an AI system is filed as a product,
  // the column's default. Its developer stays null.
  const inserted = await tx<{ id: string }[]>`
    insert into ${tx(table)} ${tx(rows)}
    on conflict (slug) do nothing
    returning id::text as id
  `;
  // No event announces actors or AI systems; caches of them hear of new ones on the catalog channel.
  if (inserted.length > 0) await noticeCatalogChange(tx, { type: table === 'actors' ? 'Actor' : 'AiSystem', id: '*' });
  // A slug already taken (by a record of another name) resolves to that record: the slug is the identity.
  const slugs = await tx<{ slug: string; id: string }[]>`
    select slug, id::text as id from ${tx(table)} where slug = any(${rows.map((row) => row.slug)}::text[])
  `;
  const idOfSlug = new Map(slugs.map((row) => [row.slug, row.id]));
  for (const name of names) {
    if (!ids.has(key(name))) ids.set(key(name), idOfSlug.get(atlasPartySlug(name))!);
  }
  return inserted.length;
}
