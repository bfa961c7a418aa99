import type { StreamHead } from '#ports/event-store.ts';

/** Where this instance last appended for a wallet: the lane and that lane's head. */
export interface LaneHead {
  lane: number;
  head: StreamHead;
}

/**
 * The last lane and head this function instance used per wallet. A warm Lambda keeps it between
 * invocations, so a writer usually appends without reading first; a stale entry only costs one
 * lost race, which tells the writer the real next slot. Bounded: the oldest entry goes first.
 */
export class HeadCache {
  private readonly heads = new Map<string, LaneHead>();

  constructor(private readonly entriesMax: number = 10_000) {}

  get(walletId: string): LaneHead | undefined {
    return this.heads.get(walletId);
  }

  remember(walletId: string, laneHead: LaneHead): void {
    this.heads.delete(walletId);
    this.heads.set(walletId, laneHead);
    if (this.heads.size > this.entriesMax) {
      const oldest = this.heads.keys().next();
      if (!oldest.done) this.heads.delete(oldest.value);
    }
  }
}
