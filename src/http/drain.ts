// Requests in flight, so a shutdown can let them finish: on SIGTERM the server stops taking new work, waits
// up to a grace period for the requests it is answering, and only then closes what is still open.
import type { IncomingMessage, ServerResponse } from 'node:http';

export class InFlight {
  private count = 0;
  private idle: Array<() => void> = [];
  /** Set once draining starts: responses then ask clients not to reuse the connection. */
  draining = false;

  /** Counts `res` until it is finished or its connection closes. Long-lived streams (SSE) are not counted. */
  track(req: IncomingMessage, res: ServerResponse): void {
    if (this.draining) res.setHeader('connection', 'close');
    if ((req.headers.accept ?? '').includes('text/event-stream')) return;
    this.count += 1;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.count -= 1;
      if (this.count === 0) for (const resolve of this.idle.splice(0)) resolve();
    };
    res.once('finish', finish);
    res.once('close', finish);
  }

  /** Requests being answered now. */
  get size(): number {
    return this.count;
  }

  /** Resolves true once no request is in flight, or false after `ms`. */
  settled(ms: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
