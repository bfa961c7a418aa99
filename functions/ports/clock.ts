/**
 * Time and ids come into the core as arguments, so use cases and tests decide what "now" and
 * "new" are; the real ones (functions/adapters/clock.ts) are handed in by the composition root.
 */

/** The current time, in epoch milliseconds. */
export interface Clock {
  /** Milliseconds since the epoch, as Date.now() gives them. */
  nowMs(): number;
}

/** Fresh unique ids (event ids, job ids). */
export interface IdGenerator {
  /** An id never handed out before (a random UUID in production). */
  newId(): string;
}
