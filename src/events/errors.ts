// Why a subscription cannot start or had to end. The event core throws these; the GraphQL layer
// (src/graphql/live.ts) turns them into errors with codes, so nothing here knows about GraphQL.

/** Any failure the live core reports to a subscriber. */
export abstract class LiveError extends Error {}

/** The `after` given is not a subscription cursor at all. */
export class MalformedCursorError extends LiveError {
  override name = 'MalformedCursorError';
}

/** The cursor was never issued by this log, or its transaction rolled back. */
export class UnknownCursorError extends LiveError {
  override name = 'UnknownCursorError';
}

/** The cursor is older than the log's horizon: the events after it were pruned. */
export class ExpiredCursorError extends LiveError {
  override name = 'ExpiredCursorError';
}

/** A subscriber fell more than `limit` events behind its client and was ended. */
export class SubscriberTooSlowError extends LiveError {
  override name = 'SubscriberTooSlowError';
  constructor(readonly limit: number) {
    super(
      `This subscription fell more than ${limit} events behind its client and was ended; resubscribe with the cursor of the last event you received`,
    );
  }
}

/** Reading the missed events failed (the database went away); the subscriber may resubscribe. */
export class ReplayFailedError extends LiveError {
  override name = 'ReplayFailedError';
  constructor() {
    super('Replaying missed events failed; resubscribe with your last cursor');
  }
}

/** A subscription filter breaks a rule: names the filter field. */
export class InvalidFilterError extends LiveError {
  override name = 'InvalidFilterError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
