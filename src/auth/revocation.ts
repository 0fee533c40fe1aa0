// Revocation reaches connections already open: WebSocket connections authenticated once at connection_init
// and SSE streams authenticated when they began. A revocation NOTIFYs its key's id on its own channel
// (see revokeApiKey); every instance LISTENs (on its event hub's one LISTEN connection) and closes what that
// key holds within moments. A re-check of the keys holding connections, at once whenever that connection is
// re-established and periodically besides, covers a NOTIFY lost while it was down.
import { KEY_REVOKED_CHANNEL, revokedAmong } from '../data/api-keys.js';
import type { Sql } from '../db/index.js';
import type { EventHub } from '../events/hub.js';
import type { Logger } from '../logger.js';

export interface RevocationOptions {
  sql: Sql;
  /** The process's hub, whose LISTEN connection carries the revocation channel. */
  events: EventHub;
  logger: Logger;
  /** How often the keys holding connections are checked against the database (ms). */
  recheckMs?: number;
}

/** Closes the connections of revoked keys, in this process. */
export class KeyRevocations {
  private readonly holders = new Map<string, Set<() => void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RevocationOptions) {}

  /** Starts listening for revocations. */
  async start(): Promise<void> {
    await this.options.events.listenTo(KEY_REVOKED_CHANNEL, {
      notified: (id) => this.revoked(id),
      // On a reconnect, re-check at once: a revocation may have gone by unheard.
      connected: () => void this.recheck(),
    });
    this.timer = setInterval(() => void this.recheck(), this.options.recheckMs ?? 30_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }

  /** Calls `close` once key `keyId` is revoked; the returned function forgets it (the connection ended). */
  hold(keyId: string, close: () => void): () => void {
    let closers = this.holders.get(keyId);
    if (!closers) this.holders.set(keyId, (closers = new Set()));
    closers.add(close);
    return () => {
      closers.delete(close);
      if (closers.size === 0 && this.holders.get(keyId) === closers) this.holders.delete(keyId);
    };
  }

  private revoked(keyId: string): void {
    const closers = this.holders.get(keyId);
    if (!closers) return;
    this.holders.delete(keyId);
    this.options.logger.info('closing the connections of a revoked key', { keyId, connections: closers.size });
    for (const close of closers) close();
  }

  private async recheck(): Promise<void> {
    if (this.holders.size === 0) return;
    try {
      for (const keyId of await revokedAmong(this.options.sql, [...this.holders.keys()])) this.revoked(keyId);
    } catch (error) {
      this.options.logger.warn('checking open connections for revoked keys failed; will retry', { error: String(error) });
    }
  }
}
