// Per-client bounds on what stays open: WebSocket connections and SSE streams per client address, and
// operations per WebSocket connection. Counted per instance.
import { GraphQLError } from 'graphql';

/** Counts open connections per client; refuses one more than `max`. */
export class ConnectionCounter {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Takes a slot for `client`; false when it holds `max` already. */
  acquire(client: string): boolean {
    const count = this.open.get(client) ?? 0;
    if (count >= this.max) return false;
    this.open.set(client, count + 1);
    return true;
  }

  release(client: string): void {
    const count = (this.open.get(client) ?? 1) - 1;
    if (count <= 0) this.open.delete(client);
    else this.open.set(client, count);
  }

  /** Open connections over all clients. */
  get total(): number {
    let sum = 0;
    for (const count of this.open.values()) sum += count;
    return sum;
  }
}

/**
 * The error for an operation over the per-connection bound; `operations` is graphql-ws's record of the
 * connection's operations, which already holds the new one.
 */
export function tooManyOperations(operations: Record<string, unknown>, _id: string, max: number): GraphQLError | undefined {
  const count = Object.keys(operations).length;
  if (count <= max) return undefined;
  return new GraphQLError(
    `this connection already runs ${max} operations, the most one may: complete one first, or open another connection`,
    { extensions: { code: 'TOO_MANY_OPERATIONS', limit: max } },
  );
}
