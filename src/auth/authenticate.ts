import { GraphQLError } from 'graphql';
import type { Sql } from '../db/index.js';
import { findActiveApiKey } from '../data/api-keys.js';
import { KEY_PATTERN, hashKey } from './keys.js';
import { ANONYMOUS, type Viewer } from './viewer.js';

/** A presented key that is malformed, unknown or revoked: always 401, never silently anonymous. */
export function invalidKey(): GraphQLError {
  return new GraphQLError('The API key is not valid or has been revoked', {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } },
  });
}

/** Reads the bearer token out of an Authorization header value; undefined when there is none. */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw invalidKey();
  return match[1];
}

/** Resolves a key to its viewer; no key means anonymous, a bad key throws a 401 error. */
export async function authenticate(sql: Sql, key: string | undefined): Promise<Viewer> {
  if (key === undefined) return ANONYMOUS;
  if (!KEY_PATTERN.test(key)) throw invalidKey();
  const row = await findActiveApiKey(sql, hashKey(key));
  if (!row) throw invalidKey();
  return { role: row.role, keyId: row.id, keyName: row.name };
}
