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
