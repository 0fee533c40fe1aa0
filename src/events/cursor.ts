import { MalformedCursorError } from './errors.js';

/** Subscription cursors are opaque: base64url of "event:<id>". */
export function encodeEventCursor(id: string): string {
  return Buffer.from(`event:${id}`, 'utf8').toString('base64url');
}

/**
 * The event id inside a subscription cursor; a malformed cursor throws MalformedCursorError. Messages of cursor
 * errors read after the name of what carried the cursor ("after is not...", "Last-Event-ID is not...").
 */
export function decodeEventCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^event:(0|[1-9][0-9]{0,18})$/.exec(text);
  if (!match) throw new MalformedCursorError('is not a subscription cursor: pass the `cursor` of an event you received');
  return match[1]!;
}
