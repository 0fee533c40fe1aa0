// API key housekeeping. api_keys.last_used_at, kept without a write per request: uses are collected in memory and written in one
// statement at most once a period (and on stop), so the column is accurate to that period.
import { touchApiKeys } from '../data/api-keys.js';
import { pruneIdempotencyKeys } from '../data/idempotency.js';
import type { Sql } from '../db/index.js';
import type { Logger } from '../logger.js';

export class KeyUsage {
  private used = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly sql: Sql,
    private readonly logger: Logger,
    periodMs = 60_000,
  ) {
    this.timer = setInterval(() => void this.flush(), periodMs);
    this.timer.unref();
  }

  /** Notes that key `keyId` was used just now. */
  record(keyId: string): void {
    this.used.add(keyId);
  }

  /** Writes the uses collected so far, and forgets idempotency keys older than a day (same housekeeping beat). */
  async flush(): Promise<void> {
    await pruneIdempotencyKeys(this.sql).catch((error: unknown) => this.logger.warn('pruning idempotency keys failed', { error: String(error) }));
    if (this.used.size === 0) return;
    const ids = [...this.used];
    this.used = new Set();
    try {
      await touchApiKeys(this.sql, ids);
    } catch (error) {
      // Not worth a retry loop: the next use of each key records it again.
      this.logger.warn('recording when API keys were last used failed', { error: String(error) });
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
