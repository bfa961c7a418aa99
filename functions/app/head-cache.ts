import { LRUCache } from '#app/bounded-cache.ts';
import type { StreamHead } from '#ports/event-store.ts';

/** Where this instance last appended for a wallet: the lane and that lane's head. */
export interface LaneHead {
  lane: number;
  head: StreamHead;
}

/**
 * The last lane and head this function instance used per wallet. A warm Lambda keeps it between
 * invocations, so a writer usually appends without reading first; a stale entry only costs one
 * lost race, which tells the writer the real next slot. Bounded: the least recently remembered
 * entry goes first.
 */
export class HeadCache {
  private readonly heads: LRUCache<string, LaneHead>;

  constructor(entriesMax = 10_000) {
    this.heads = new LRUCache({ max: entriesMax });
  }

  get(walletId: string): LaneHead | undefined {
    // peek: a look-up does not make an entry younger, only `remember` does (every successful
    // append remembers, so a wallet in use stays).
    return this.heads.peek(walletId);
  }

  remember(walletId: string, laneHead: LaneHead): void {
    this.heads.set(walletId, laneHead);
  }
}
