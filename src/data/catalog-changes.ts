// Upserts of the reference records incidents, positions and actions point at: actors, AI systems, policy
// topics, legal instruments. Keyed by slug (derived from the name when absent), so an ingest pipeline can
// send them repeatedly. No subscription announces them: plain transactions, which do not hold the event
// log's readers back.
import type { Sql } from '../db/index.js';
import { actorsByIds, type ActorKind, type ActorRow } from './actors.js';
import { aiSystemsByIds, type AiSystemKind, type AiSystemRow } from './ai-systems.js';
import { NotFoundError, ValidationError } from './errors.js';
import { legalInstrumentsByIds, type LegalInstrumentRow } from './legal-instruments.js';
import { topicsByIds, type PolicyTopicRow } from './policy.js';
import { noticeCatalogChange } from './catalog-notice.js';
import { plainTransaction } from './transactions.js';
import * as check from './validate.js';

export interface ActorInput {
  slug?: string | null | undefined;
  name: string;
  kind: ActorKind;
  country?: string | null | undefined;
  aliases?: string[] | null | undefined;
  description?: string | null | undefined;
  affiliationId?: string | null | undefined;
  roleTitle?: string | null | undefined;
}

/** Creates or updates the actor with this slug. */
export async function upsertActor(sql: Sql, input: ActorInput): Promise<ActorRow> {
  const name = check.text('name', input.name, { max: 200 });
  const slug = input.slug ? check.slug('slug', input.slug) : check.slugify(name);
  const row = {
    slug,
    name,
    kind: input.kind,
    country: input.country ? check.country('country', input.country) : null,
    aliases: [...new Set((input.aliases ?? []).map((alias, i) => check.text(`aliases[${i}]`, alias, { max: 200 })))],
    description: check.text('description', input.description ?? '', { min: 0, max: 2000 }),
    affiliation_id: input.affiliationId ?? null,
    role_title: check.optionalText('roleTitle', input.roleTitle, 200),
  };
  return plainTransaction(sql, async (tx) => {
    if (row.affiliation_id) {
      const [affiliation] = await tx<{ slug: string }[]>`select slug from actors where id = ${row.affiliation_id}`;
      if (!affiliation) throw new NotFoundError('affiliation', `no actor has id ${row.affiliation_id}`);
      if (affiliation.slug === slug) throw new ValidationError('affiliation', 'not-self', 'an actor cannot be its own affiliation');
    }
    const [saved] = await tx<{ id: string }[]>`
      insert into actors ${tx(row)}
      on conflict (slug) do update set name = excluded.name, kind = excluded.kind, country = excluded.country,
        aliases = excluded.aliases, description = excluded.description, affiliation_id = excluded.affiliation_id,
        role_title = excluded.role_title, updated_at = now()
      returning id
    `;
    await noticeCatalogChange(tx, { type: 'Actor', id: saved!.id });
    return (await actorsByIds(tx, [saved!.id]))[0]!;
  });
}

export interface AiSystemInput {
  slug?: string | null | undefined;
  name: string;
  kind: AiSystemKind;
  developerId: string;
  parentId?: string | null | undefined;
  description?: string | null | undefined;
}

/** Creates or updates the AI system with this slug. */
export async function upsertAiSystem(sql: Sql, input: AiSystemInput): Promise<AiSystemRow> {
  const name = check.text('name', input.name, { max: 200 });
  const row = {
    slug: input.slug ? check.slug('slug', input.slug) : check.slugify(name),
    name,
    kind: input.kind,
    developer_id: input.developerId,
    parent_id: input.parentId ?? null,
    description: check.text('description', input.description ?? '', { min: 0, max: 2000 }),
  };
  return plainTransaction(sql, async (tx) => {
    const [developer] = await tx`select 1 from actors where id = ${row.developer_id}`;
    if (!developer) throw new NotFoundError('developer', `no actor has id ${row.developer_id}`);
    if (row.parent_id) {
      const [parent] = await tx<{ slug: string }[]>`select slug from ai_systems where id = ${row.parent_id}`;
      if (!parent) throw new NotFoundError('parent', `no AI system has id ${row.parent_id}`);
      if (parent.slug === row.slug) throw new ValidationError('parent', 'not-self', 'an AI system cannot be its own parent');
    }
    const [saved] = await tx<{ id: string }[]>`
      insert into ai_systems ${tx(row)}
      on conflict (slug) do update set name = excluded.name, kind = excluded.kind, developer_id = excluded.developer_id,
        parent_id = excluded.parent_id, description = excluded.description, updated_at = now()
      returning id
    `;
    await noticeCatalogChange(tx, { type: 'AiSystem', id: saved!.id });
    return (await aiSystemsByIds(tx, [saved!.id]))[0]!;
  });
}

/** Creates or updates the policy topic with this slug. */
export async function upsertPolicyTopic(
  sql: Sql,
  input: { slug?: string | null | undefined; name: string; description?: string | null | undefined },
): Promise<PolicyTopicRow> {
  const name = check.text('name', input.name, { max: 200 });
  const row = {
    slug: input.slug ? check.slug('slug', input.slug) : check.slugify(name),
    name,
    description: check.text('description', input.description ?? '', { min: 0, max: 2000 }),
  };
  return plainTransaction(sql, async (tx) => {
    const [saved] = await tx<{ id: string }[]>`
      insert into policy_topics ${tx(row)}
      on conflict (slug) do update set name = excluded.name, description = excluded.description, updated_at = now()
      returning id
    `;
    await noticeCatalogChange(tx, { type: 'PolicyTopic', id: saved!.id });
    return (await topicsByIds(tx, [saved!.id]))[0]!;
  });
}

/** Creates or updates the legal instrument with this slug. */
export async function upsertLegalInstrument(
  sql: Sql,
  input: { slug?: string | null | undefined; name: string; jurisdiction: string; description?: string | null | undefined },
): Promise<LegalInstrumentRow> {
  const name = check.text('name', input.name, { max: 200 });
  const jurisdiction = input.jurisdiction.trim().toUpperCase();
  if (!/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/.test(jurisdiction)) {
    throw new ValidationError('jurisdiction', 'iso-3166', `jurisdiction must be an ISO 3166 code such as "US" or "US-CA", got "${input.jurisdiction.slice(0, 40)}"`);
  }
  const row = {
    slug: input.slug ? check.slug('slug', input.slug) : check.slugify(name),
    name,
    jurisdiction,
    description: check.text('description', input.description ?? '', { min: 0, max: 2000 }),
  };
  return plainTransaction(sql, async (tx) => {
    const [saved] = await tx<{ id: string }[]>`
      insert into legal_instruments ${tx(row)}
      on conflict (slug) do update set name = excluded.name, jurisdiction = excluded.jurisdiction,
        description = excluded.description, updated_at = now()
      returning id
    `;
    await noticeCatalogChange(tx, { type: 'LegalInstrument', id: saved!.id });
    return (await legalInstrumentsByIds(tx, [saved!.id]))[0]!;
  });
}
