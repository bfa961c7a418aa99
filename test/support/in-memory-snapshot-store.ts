import type { WalletView } from '#domain/wallet-view.ts';
import type { SnapshotStore } from '#ports/snapshots.ts';

/**
 * An in-memory SnapshotStore with the DynamoDB adapter's semantics: one snapshot per wallet and
 * event count (a put of the same count replaces it), the newest `kept` per wallet survive a put,
 * `latest` is the one with the most events at or below the bound. Everything handed out is a copy.
 */
export class InMemorySnapshotStore implements SnapshotStore {
  private readonly snapshots = new Map<string, Map<number, WalletView>>();
  /** Every put, in order (test access). */
  readonly puts: WalletView[] = [];
  /** When set, put throws it (to test that a failed snapshot does not fail the projection). */
  failWith: Error | undefined;

  constructor(private readonly kept = 3) {}

  async latest(walletId: string, maxEventCount?: number): Promise<WalletView | undefined> {
    const counts = [...(this.snapshots.get(walletId)?.keys() ?? [])]
      .filter((count) => maxEventCount === undefined || count <= maxEventCount)
      .sort((a, b) => b - a);
    const newest = counts[0];
    const view = newest === undefined ? undefined : this.snapshots.get(walletId)?.get(newest);
    return view === undefined ? undefined : structuredClone(view);
  }

  async put(view: WalletView): Promise<void> {
    if (this.failWith !== undefined) throw this.failWith;
    this.puts.push(structuredClone(view));
    const wallet = this.snapshots.get(view.walletId) ?? new Map<number, WalletView>();
    wallet.set(view.eventCount, structuredClone(view));
    for (const count of [...wallet.keys()].sort((a, b) => b - a).slice(this.kept)) wallet.delete(count);
    this.snapshots.set(view.walletId, wallet);
  }

  /** Test access: the event counts of the wallet's snapshots, ascending. */
  counts(walletId: string): number[] {
    return [...(this.snapshots.get(walletId)?.keys() ?? [])].sort((a, b) => a - b);
  }
}
