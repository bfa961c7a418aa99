import type { RecordedEvent } from '#domain/wallet.ts';
import {
  type AppendTogetherGroupOutcome,
  type AppendTogetherGroupRequest,
  type StreamHead,
  VersionConflictError,
} from '#ports/event-store.ts';
import { InMemoryEventStore, withoutHashes } from './in-memory-event-store.ts';

/**
 * The in-memory store with EventStore.appendTogetherGroup, as the DynamoDB adapter
 * (append-together-group.ts): every used key reported, else every head checked, then all written.
 */
export class InMemoryGroupStore extends InMemoryEventStore {
  async appendTogetherGroup(request: AppendTogetherGroupRequest): Promise<AppendTogetherGroupOutcome> {
    const keys = request.parts.flatMap((part) => (part.idempotency ? [part.idempotency.key] : []));
    if (new Set(keys).size !== keys.length)
      throw new Error('appendTogetherGroup: one key twice in a transaction');
    const items = request.parts.reduce(
      (sum, part) => sum + part.events.reduce((n, one) => n + one.events.length, part.index?.length ?? 0),
      keys.length,
    );
    if (items > 100) throw new Error('appendTogetherGroup: more than 100 items');
    const taken = request.parts.flatMap((part, index) => {
      const record = part.idempotency && this.keys.get(part.idempotency.key);
      return record ? [{ part: index, record: structuredClone(record) }] : [];
    });
    if (taken.length > 0) return { kind: 'keys-taken', taken };
    const heads = new Map<string, StreamHead>();
    for (const { walletId, expected } of request.heads) {
      const winner = this.lane(walletId, 0)[expected.version];
      if (expected.version > this.lane(walletId, 0).length)
        throw new Error('appendTogetherGroup: past the head');
      if (winner !== undefined) {
        throw new VersionConflictError(walletId, 0, expected.version, 'version-taken', {
          version: winner.version,
          hash: winner.hash,
          recordedAtMs: winner.recordedAtMs,
        });
      }
      heads.set(walletId, expected);
    }
    // Nothing below awaits or throws: all of it lands, or (above) none of it.
    const parts = request.parts.map((part) => {
      const reference = part.idempotency && (part.idempotency.reference ?? part.idempotency.key);
      const recorded: RecordedEvent[][] = part.events.map(({ walletId, events }) => {
        const written = this.write(walletId, 0, heads.get(walletId) as StreamHead, events, reference);
        heads.set(walletId, written.head);
        return written.recorded.map(withoutHashes);
      });
      if (part.idempotency) {
        const all = recorded.flat();
        this.keys.set(part.idempotency.key, {
          key: part.idempotency.key,
          payloadHash: part.idempotency.payloadHash,
          walletId: part.events[0]?.walletId ?? '',
          versions: all.map((event) => event.version),
          eventIds: all.map((event) => event.eventId),
          response: { ...part.idempotency.response },
          recordedAtMs: all[0]?.recordedAtMs ?? 0,
        });
      }
      this.tradingIndex.apply(part.index ?? []);
      return recorded;
    });
    const written = new Set(request.parts.flatMap((part) => part.events.map((one) => one.walletId)));
    return {
      kind: 'appended',
      parts,
      heads: [...written].map((walletId) => ({ walletId, head: heads.get(walletId) as StreamHead })),
    };
  }
}

/** `store` with `walletId`'s first event: a deposit of `amountMinor` in lane 0 (a funded wallet). */
export async function funded<S extends InMemoryEventStore>(
  store: S,
  walletId = 'w1',
  amountMinor = 100n,
): Promise<S> {
  await store.append({
    walletId,
    lane: 0,
    expected: { version: 0, hash: '' },
    events: [{ type: 'Deposited', data: { amountMinor, occurredAtMs: 1 }, eventId: 'd1', recordedAtMs: 1 }],
  });
  return store;
}
