import type { Queryable } from '../db/index.js';
import { insertApiKey, type ApiKeyRow } from '../data/api-keys.js';
import { ValidationError } from '../data/errors.js';
import type { Role } from './viewer.js';
import { createHash, randomBytes } from 'node:crypto';

/** Keys look like `fl_` + 43 url-safe characters (256 random bits); the prefix makes leaked keys greppable. */
export const KEY_PATTERN = /^fl_[A-Za-z0-9_-]{43}$/;

/** A fresh random API key, shown once to whoever creates it. */
export function generateKey(): string {
  return `fl_${randomBytes(32).toString('base64url')}`;
}

/** The stored form of a key: sha256 suffices for 256-bit random secrets and keeps lookups by hash. */
export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The part of a key safe to show in listings and logs. */
export function keyPrefix(key: string): string {
  return key.slice(0, 7);
}

/** Creates a key with a role: stores only its hash and returns the key itself, to be shown once. */
export async function issueKey(sql: Queryable, name: string, role: Role): Promise<{ key: string; row: ApiKeyRow }> {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100) throw new ValidationError('name', 'length', 'name must be 1-100 characters');
  const key = generateKey();
  const row = await insertApiKey(sql, { name: trimmed, role, prefix: keyPrefix(key), hash: hashKey(key) });
  return { key, row };
}
