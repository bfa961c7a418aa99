import { createHash } from 'node:crypto';
import type { RecordedEvent } from '#domain/wallet.ts';

/**
 * Tamper evidence: each event's hash covers the previous event's hash and the event's canonical
 * form (sorted keys, amounts as decimal text), so editing any stored event breaks the chain.
 */
export function eventHash(prevHash: string, event: RecordedEvent): string {
  const canonical = canonicalJson({
    walletId: event.walletId,
    lane: event.lane,
    version: event.version,
    eventId: event.eventId,
    type: event.type,
    data: event.data,
    recordedAtMs: event.recordedAtMs,
    idempotencyKey: event.idempotencyKey ?? null,
  });
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

/** Text written as is: brackets, commas and object keys, queued between the values they separate. */
class Raw {
  constructor(readonly text: string) {}
}
const COMMA = new Raw(',');
const CLOSE_ARRAY = new Raw(']');
const CLOSE_OBJECT = new Raw('}');

/**
 * Deeper than this is refused with a RangeError that says so, so a cycle (which parsed JSON never
 * has) fails fast instead of filling memory. Far above any event data: the recursive version this
 * replaced overflowed the call stack at about 10,000, so nothing stored is deeper.
 */
export const CANONICAL_DEPTH_MAX = 250_000;

/**
 * JSON with sorted object keys and bigints as strings: one text per value. Iterative (an explicit
 * stack, not recursion), so data nested 100,000 deep hashes instead of overflowing the call stack.
 * The text is exactly the recursive definition's: a value is its JSON (undefined, functions and
 * symbols are `null`), an array its elements' texts, an object its defined entries by key.
 */
export function canonicalJson(value: unknown): string {
  let out = '';
  let depth = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (next instanceof Raw) {
      if (next === CLOSE_ARRAY || next === CLOSE_OBJECT) depth--;
      out += next.text;
    } else if (typeof next === 'bigint') {
      out += JSON.stringify(next.toString());
    } else if (next === null || typeof next !== 'object') {
      out += JSON.stringify(next) ?? 'null';
    } else {
      if (++depth > CANONICAL_DEPTH_MAX) {
        throw new RangeError(`canonicalJson: nested deeper than ${CANONICAL_DEPTH_MAX} (or cyclic)`);
      }
      // Queued last to first, so they come off the stack in order.
      if (Array.isArray(next)) {
        out += '[';
        pending.push(CLOSE_ARRAY);
        for (let index = next.length - 1; index >= 0; index--) {
          // A hole is no text at all between its commas, as Array.prototype.join gives it.
          if (index in next) pending.push(next[index]);
          if (index > 0) pending.push(COMMA);
        }
      } else {
        const entries = Object.entries(next as Record<string, unknown>)
          .filter(([, entry]) => entry !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        out += '{';
        pending.push(CLOSE_OBJECT);
        for (let index = entries.length - 1; index >= 0; index--) {
          const [key, entry] = entries[index] as [string, unknown];
          pending.push(entry, new Raw(`${index > 0 ? ',' : ''}${JSON.stringify(key)}:`));
        }
      }
    }
  }
  return out;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
