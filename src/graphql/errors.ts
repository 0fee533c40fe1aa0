import { GraphQLError } from 'graphql';
import type { Viewer } from '../auth/viewer.js';

/**
 * A client mistake (bad id, bad cursor, page too large, invalid filter): a GraphQL error with code
 * BAD_USER_INPUT, the argument it concerns, and HTTP 400.
 */
export function badInput(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', ...(argument ? { argument } : {}), http: { status: 400 } },
  });
}

/** The caller lacks the role a field needs: 401 without a key, 403 with one. */
export function forbidden(viewer: Viewer, field: string): GraphQLError {
  if (viewer.role === 'anonymous') {
    return new GraphQLError(`${field} needs an API key: send "Authorization: Bearer <key>"`, {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } },
    });
  }
  return new GraphQLError(`${field} is not allowed for a ${viewer.role} key`, {
    extensions: { code: 'FORBIDDEN', http: { status: 403 } },
  });
}

/** Global ids are base64url of "Type:localId", opaque to clients. */
export function encodeGlobalId(typename: string, id: string | number | bigint): string {
  return Buffer.from(`${typename}:${id}`, 'utf8').toString('base64url');
}

/** The types whose ids are global ids. */
const NODE_TYPES = new Set([
  'Incident', 'Report', 'Actor', 'AiSystem', 'PolicyTopic', 'PolicyPosition', 'Technique', 'ApiKey',
  'Action', 'LegalInstrument', 'Citation', 'IncidentLink',
]);

/** Decodes a global id; a malformed one, or one of no Faultline type, is a BAD_USER_INPUT error. */
export function decodeGlobalId(globalId: string): { typename: string; id: string } {
  const text = /^[A-Za-z0-9_-]+={0,2}$/.test(globalId) ? Buffer.from(globalId, 'base64url').toString('utf8') : '';
  const match = /^([A-Z][A-Za-z]*):([A-Za-z0-9.]+)$/.exec(text);
  if (!match || !NODE_TYPES.has(match[1]!)) throw badInput(`"${globalId.slice(0, 100)}" is not a valid id`);
  return { typename: match[1]!, id: match[2]! };
}

const article = (word: string) => (/^[AEIOU]/.test(word) ? `an ${word}` : `a ${word}`);

/** Decodes a global id that must name one of `typenames` and have a numeric local id. */
export function parseId(globalId: string, typenames: string | string[], argument: string): string {
  const allowed = Array.isArray(typenames) ? typenames : [typenames];
  const { typename, id } = decodeGlobalId(globalId);
  if (!allowed.includes(typename)) {
    throw badInput(`${argument} must be the id of ${allowed.map(article).join(' or ')}, got the id of ${article(typename)}`, argument);
  }
  if (!/^[1-9][0-9]{0,17}$/.test(id)) throw badInput(`${argument} is not a valid id`, argument);
  return id;
}
