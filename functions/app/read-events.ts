import type { RecordedEvent } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';

/** Reads the whole range of one lane into memory; for bounded ranges only. */
export async function readAll(
  store: EventStore,
  walletId: string,
  lane: number,
  range?: { fromVersion?: number; toVersion?: number },
): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const page of store.read(walletId, lane, range)) events.push(...page);
  return events;
}

/** Every event of the wallet, lane by lane: the store's own whole-log read when it has one. */
export async function readWallet(store: EventStore, walletId: string): Promise<RecordedEvent[]> {
  if (store.readWallet !== undefined) return store.readWallet(walletId);
  const events: RecordedEvent[] = [];
  for (const lane of await store.lanes(walletId)) events.push(...(await readAll(store, walletId, lane)));
  return events;
}
