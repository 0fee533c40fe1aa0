// Who may use a WebSocket connection, and for how long: the key given at connection_init (a string, or the
// connection is refused), checked again for every operation so a revoked key cannot act on a socket opened
// before its revocation, and the connection closed (4403) as soon as any instance hears of the revocation.
import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { authenticate, bearerToken } from '../auth/authenticate.js';
import type { KeyRevocations } from '../auth/revocation.js';
import type { Viewer } from '../auth/viewer.js';
import type { Sql } from '../db/index.js';
import type { ClientLimits } from './front-door.js';

/** The close reason a socket gets when its key is revoked. */
export const KEY_REVOKED_REASON = 'Forbidden: the API key was revoked';

/** The key a client sent in connection_init, or why it cannot be used. */
export function connectionKey(params: Readonly<Record<string, unknown>> | undefined): { key: string | undefined } | { refused: string } {
  const raw = params?.authorization ?? params?.Authorization ?? params?.apiKey;
  if (raw === undefined || raw === null) return { key: undefined };
  // An object or a number must not quietly turn into an anonymous connection.
  if (typeof raw !== 'string') return { refused: 'authorization must be a string: "Bearer <key>"' };
  try {
    return { key: raw.startsWith('fl_') ? raw : bearerToken(raw) };
  } catch {
    return { refused: 'authorization is not "Bearer <key>"' };
  }
}

/** Closes `socket` with 4403 once `viewer`'s key is revoked, for as long as the socket is open. */
export function closeOnRevocation(socket: WebSocket, viewer: Viewer, revocations: KeyRevocations | undefined): void {
  if (!viewer.keyId || !revocations) return;
  const forget = revocations.hold(viewer.keyId, () => socket.close(CloseCode.Forbidden, KEY_REVOKED_REASON));
  socket.once('close', forget);
}

/**
 * Admits one operation on a connection: within the client's (or key's) rate limit, and with its key still
 * valid. Resolves with the viewer to run it as, or the error refusing it (the socket is closed when the key
 * is no longer valid).
 */
export async function admitOperation(
  sql: Sql,
  limits: ClientLimits,
  extra: { socket: WebSocket; request: IncomingMessage; key?: string; client?: string },
  anonymous: Viewer,
): Promise<Viewer | GraphQLError> {
  const client = extra.client ?? 'unknown';
  const admission = limits.admit(client, extra.key);
  if (!admission.ok) {
    return new GraphQLError(`too many requests: try again in ${admission.retryAfterSeconds} s`, {
      extensions: { code: 'RATE_LIMITED', retryAfter: admission.retryAfterSeconds },
    });
  }
  if (extra.key === undefined) return anonymous;
  try {
    return await authenticate(sql, extra.key);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    limits.authFailed(client);
    extra.socket.close(CloseCode.Forbidden, KEY_REVOKED_REASON);
    return error;
  }
}
