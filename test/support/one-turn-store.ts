import { handleCommand } from '#app/command-handler.ts';
import type { RecordedEvent, WalletCommand } from '#domain/wallet.ts';
import type { StreamHead } from '#ports/event-store.ts';
import { InMemoryEventStore } from './in-memory-event-store.ts';
import { depositOf, laneZeroWrite, moneyHold } from './lane-zero-writes.ts';

/**
 * Every store call takes a turn of the event loop, as a request to DynamoDB does; `enter` is where
 * a call waits before it runs (a subclass may hold reads there).
 */
export class OneTurnStore extends InMemoryEventStore {
  protected async enter(_kind: 'read' | 'write'): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
  }
  override async head(...args: Parameters<InMemoryEventStore['head']>) {
    await this.enter('read');
    return super.head(...args);
  }
  override async lanes(...args: Parameters<InMemoryEventStore['lanes']>) {
    await this.enter('read');
    return super.lanes(...args);
  }
  override async *read(...args: Parameters<InMemoryEventStore['read']>) {
    await this.enter('read');
    yield* super.read(...args);
  }
  override async walletAndHead(walletId: string): Promise<{ events: RecordedEvent[]; head: StreamHead }> {
    await this.enter('read');
    return super.walletAndHead(walletId);
  }
  override async append(...args: Parameters<InMemoryEventStore['append']>) {
    await this.enter('write');
    return super.append(...args);
  }
  override async appendGroup(...args: Parameters<InMemoryEventStore['appendGroup']>) {
    await this.enter('write');
    return super.appendGroup(...args);
  }
}

/** A lane-0 command of wallet w1 under id `id` (its idempotency key and event id). */
export const writeW1 = (id: string, command: WalletCommand) => laneZeroWrite('w1', id, command);

/** The correction of whileHoldsFlow's deposit `d`: its amount amended to 90,000. */
export const AMEND_THE_DEPOSIT = {
  walletId: 'w1',
  reference: 'd',
  action: 'amend',
  reason: 'typo',
  amend: { amountMinor: 90_000n },
} as const;

/**
 * Wallet w1, given a deposit `d` of 100,000, kept busy while `during` runs: four clients send holds
 * of 1 back to back through the store's group commit (each must be recorded), in full flow before
 * `during` starts; they stop once it has answered.
 */
export async function whileHoldsFlow<T>(store: InMemoryEventStore, during: () => Promise<T>): Promise<T> {
  await handleCommand({ store }, writeW1('d', depositOf('w1', 100_000n)));
  let busy = true;
  let sent = 0;
  const client = async (name: string) => {
    while (busy) {
      const id = `${name}-${sent++}`;
      const outcome = await handleCommand({ store }, writeW1(id, moneyHold('w1', id, 1n)));
      if (outcome.kind !== 'recorded') throw new Error(`hold ${id} answered ${outcome.kind}`);
    }
  };
  const clients = ['a', 'b', 'c', 'd'].map(client);
  await new Promise((resolve) => setTimeout(resolve, 5));
  try {
    return await during();
  } finally {
    busy = false;
    await Promise.all(clients);
  }
}
