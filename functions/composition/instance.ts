/**
 * The clock, the ids and the hashing of a function instance, in a module of their own: lambda.ts
 * re-exports them, but it also builds the rule-set stores (the threshold), and the accounts
 * function, which reads rule sets only with its first authorization (composition/cards.ts), takes
 * these from here so that its cold start reaches no rule-set store.
 */
import { randomIds, systemClock } from '#adapters/clock.ts';
import { canonicalJson, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';

export const clockAndIds = (): { clock: Clock; ids: IdGenerator } => ({ clock: systemClock, ids: randomIds });

/** How payloads are fingerprinted for idempotency: the store's canonical JSON, hashed. */
export const hashing = {
  sha256Hex,
  canonicalJson,
  fingerprint: (value: unknown): string => sha256Hex(canonicalJson(value)),
} as const;
