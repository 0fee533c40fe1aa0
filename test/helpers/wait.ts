/**
 * Resolves once `condition()` holds, checking every few milliseconds; rejects with `what` after `ms`. For
 * state no event announces (a subscription registered in the hub, a counter); the bound is a bound, not an
 * expectation.
 */
export async function waitFor(condition: () => boolean, what = 'condition', ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
