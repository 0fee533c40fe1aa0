import type { Role } from '../auth/viewer.js';
import type { Queryable } from '../db/index.js';

/** An `api_keys` row without its hash. */
export interface ApiKeyRow {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** Stores a new key (by hash) and returns its row. */
export async function insertApiKey(
  sql: Queryable,
  key: { name: string; role: Role; prefix: string; hash: Buffer },
): Promise<ApiKeyRow> {
  const [row] = await sql<ApiKeyRow[]>`
    insert into api_keys (name, role, prefix, key_hash)
    values (${key.name}, ${key.role}, ${key.prefix}, ${key.hash})
    returning id, name, role, prefix, created_at, last_used_at, revoked_at
  `;
  return row!;
}

/** Every key, newest first. */
export async function listApiKeys(sql: Queryable): Promise<ApiKeyRow[]> {
  return sql<ApiKeyRow[]>`
    select id, name, role, prefix, created_at, last_used_at, revoked_at from api_keys order by id desc
  `;
}

/** The channel a revocation notifies with the key's id (src/auth/revocation.ts listens). */
export const KEY_REVOKED_CHANNEL = 'faultline_key_revoked';

/**
 * Revokes a key; returns it, or null when no key has that id. Revoking twice keeps the first time. Every
 * instance hears of it on the key-revoked channel when the transaction commits, and closes the key's open
 * connections.
 */
export async function revokeApiKey(sql: Queryable, id: string): Promise<ApiKeyRow | null> {
  const [row] = await sql<ApiKeyRow[]>`
    with revoked as (
      update api_keys set revoked_at = coalesce(revoked_at, now())
      where id = ${id}
      returning id, name, role, prefix, created_at, last_used_at, revoked_at
    )
    select revoked.*, pg_notify(${KEY_REVOKED_CHANNEL}, revoked.id::text) from revoked
  `;
  if (!row) return null;
  const { pg_notify: _notified, ...key } = row as ApiKeyRow & { pg_notify?: unknown };
  return key;
}

/** The ids among `ids` of keys that have been revoked. */
export async function revokedAmong(sql: Queryable, ids: string[]): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`select id from api_keys where id = any(${ids}) and revoked_at is not null`;
  return rows.map((row) => row.id);
}

/** Sets last_used_at to now for the keys `ids`. */
export async function touchApiKeys(sql: Queryable, ids: string[]): Promise<void> {
  await sql`update api_keys set last_used_at = now() where id = any(${ids})`;
}

/** The unrevoked key with this hash, or null. */
export async function findActiveApiKey(sql: Queryable, hash: Buffer): Promise<ApiKeyRow | null> {
  const [row] = await sql<ApiKeyRow[]>`
    select id, name, role, prefix, created_at, last_used_at, revoked_at
    from api_keys
    where key_hash = ${hash} and revoked_at is null
  `;
  return row ?? null;
}
