// Token buckets per client or key: a burst of up to a minute's allowance, refilled evenly. Counted per
// instance (behind a load balancer each instance allows its own share).

/** The outcome of asking for one request. */
export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** A rate limit of `perMinute` requests per id; 0 means no limit. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = perMinute / 60_000;
  }

  /** Takes one request from `id`'s allowance, or says how long until there is one. */
  take(id: string): Admission {
    if (this.perMinute === 0) return { ok: true };
    const bucket = this.refilled(id);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }

  /** Whether `id` has allowance left, without taking any. */
  peek(id: string): Admission {
    if (this.perMinute === 0) return { ok: true };
    const bucket = this.refilled(id);
    return bucket.tokens >= 1 ? { ok: true } : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }

  private refilled(id: string): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(id);
    if (!bucket) {
      // A full bucket is the same as none: forget those, so the map holds only clients that are spending.
      if (this.buckets.size > 10_000) this.sweep(now);
      bucket = { tokens: this.perMinute, at: now };
      this.buckets.set(id, bucket);
      return bucket;
    }
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.perMs);
    bucket.at = now;
    return bucket;
  }

  private sweep(now: number): void {
    for (const [id, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.perMinute) this.buckets.delete(id);
    }
  }
}
