import type { EventStore, StoredResponse } from '#ports/event-store.ts';

/**
 * Idempotency keys live in namespaces (issue 15 §2, issue 10 §4.6). A key a client sends is only
 * unique among that client's requests to one route, and a CloudEvent `id` only within its `source`
 * (the CloudEvents spec: `source` + `id` identifies an event). Kept in one global namespace, one
 * client could squat another's key, or a deposit's key collide with a CloudEvent's id. So the key
 * item is written under `<namespace>#<owner length>:<owner>#<key>`; the owner is length-prefixed,
 * so no owner or key, whatever its characters, can make two scopes spell the same item key.
 */
export type KeyNamespace =
  | 'event'
  | 'deposit'
  | 'transfers'
  | 'holds'
  | 'offers'
  | 'payments'
  | 'orders'
  | 'refunds'
  | 'accounts';

/** What a keyed write carries: the scoped item key, and the client's own key for the rest. */
export interface ScopedIdempotency {
  /** The key item's key: namespace, owner and the client's key. */
  key: string;
  payloadHash: string;
  /** The client's key as sent: stored on the events (corrections find them by it) and shown in the trail. */
  reference: string;
  /**
   * The key item as it was written before namespaces: the client's key alone. Honoured (see
   * priorUse) so a request answered before the upgrade is still answered once after it.
   */
  legacyKey: string;
}

/** What a use case takes: a plain key (tests, jobs) or a scoped one. */
export interface IdempotencyInput {
  key: string;
  payloadHash: string;
  reference?: string;
  legacyKey?: string;
}

export function scopedKey(namespace: KeyNamespace, owner: string, key: string): string {
  return `${namespace}#${owner.length}:${owner}#${key}`;
}

export function scopeIdempotency(
  scope: { namespace: KeyNamespace; owner: string },
  key: string,
  payloadHash: string,
): ScopedIdempotency {
  return { key: scopedKey(scope.namespace, scope.owner, key), payloadHash, reference: key, legacyKey: key };
}

export type PriorUse = { kind: 'replayed'; response: StoredResponse } | { kind: 'key-reused' } | undefined;

/**
 * What a key already did: the scoped item first, then the item the same request would have
 * written before keys were scoped. A legacy item counts only when its payload hash is this
 * request's: that is the same request again (the hash covers the route's operation and its
 * input, and a CloudEvent's source), which must not take effect twice. A legacy item with another
 * hash cannot be told apart from another client's or another route's use of the same text, and
 * refusing it is exactly the squatting that scoping ends, so it is ignored.
 */
export async function priorUse(
  store: Pick<EventStore, 'findIdempotency'>,
  idempotency: IdempotencyInput,
): Promise<PriorUse> {
  // Both items at once: a write new to its key (the usual case) waits on the table once for them,
  // not twice. A retry the scoped item answers read the legacy one for nothing (and does not fail
  // if that read does). Legacy items were written before keys were scoped: earlier or later, the
  // read finds the same.
  const legacy = legacyReplay(store, idempotency);
  legacy.catch(() => undefined);
  const record = await store.findIdempotency(idempotency.key);
  if (record !== undefined) {
    return record.payloadHash === idempotency.payloadHash
      ? { kind: 'replayed', response: record.response }
      : { kind: 'key-reused' };
  }
  return legacy;
}

/** Whether a write's key has a legacy item to look up (legacyReplay reads it). */
export const hasLegacyKey = (
  idempotency: IdempotencyInput | undefined,
): idempotency is IdempotencyInput & { legacyKey: string } =>
  idempotency?.legacyKey !== undefined && idempotency.legacyKey !== idempotency.key;

/**
 * A key whose legacy item was looked up and found not to answer: not looked up again (priorUse and
 * legacyReplay then read the scoped item alone). Legacy items were written before keys were
 * scoped and never are now, so a later look-up finds the same.
 */
export const checkedKey = <I extends IdempotencyInput>(idempotency: I): I =>
  hasLegacyKey(idempotency) ? { ...idempotency, legacyKey: idempotency.key } : idempotency;

/** Only the legacy half of priorUse: for writes whose conditional append already guards the scoped key. */
export async function legacyReplay(
  store: Pick<EventStore, 'findIdempotency'>,
  idempotency: IdempotencyInput | undefined,
): Promise<{ kind: 'replayed'; response: StoredResponse } | undefined> {
  if (!hasLegacyKey(idempotency)) return undefined;
  const legacy = await store.findIdempotency(idempotency.legacyKey);
  return legacy !== undefined && legacy.payloadHash === idempotency.payloadHash
    ? { kind: 'replayed', response: legacy.response }
    : undefined;
}
