/**
 * Indexes that let a wallet's listings read only their page: where its awards sit in the log, and
 * which corrections name which events. Like the trading indexes (trading-index.ts) they are written
 * in the transactions of the events they describe, all or nothing, so they never disagree with the
 * log; the log stays the truth and an entry only says where to look.
 *
 * A wallet whose log was begun before these indexes existed has no `indexed` marker: its listings
 * read the log as before (the answer is the same, only slower).
 */

/**
 * Where awards sit: the versions `fromVersion … toVersion` of one lane hold awards or adjustments
 * (and the fact the awards are for, first). One entry per append that awards or adjusts.
 * `facts`: the place of each fact an adjustment in the range names when that fact is not in the
 * range itself, so a page need not search the log for it.
 */
export interface AwardRange {
  lane: number;
  fromVersion: number;
  toVersion: number;
  facts: { factId: string; lane: number; version: number }[];
}

/** A correction (always in lane 0) and the event it names. */
export interface CorrectionLink {
  target: { lane: number; version: number };
  correctionVersion: number;
  correctionId: string;
}

/**
 * What an append adds to the read indexes, beside its events:
 * - `indexed`: the wallet's log begins with this append (lane 0, version 1), so every award and
 *   correction of it is in the indexes;
 * - `awards`: an award range;
 * - `correction`: a correction link.
 */
export type ReadIndexChange =
  | { kind: 'indexed'; walletId: string }
  | { kind: 'awards'; walletId: string; range: AwardRange }
  | { kind: 'correction'; walletId: string; link: CorrectionLink };

/** The read side of the indexes. Reads are strongly consistent. */
export interface ReadIndexes {
  /** True when the wallet's log was begun with the indexes (its `indexed` marker exists). */
  indexed(walletId: string): Promise<boolean>;
  /**
   * Award ranges of one lane whose last version is at or after `fromVersion`, ascending, at most
   * `limit` of them.
   */
  awardRanges(walletId: string, lane: number, fromVersion: number, limit: number): Promise<AwardRange[]>;
  /** The corrections naming events `fromVersion … toVersion` of `lane`, by target then correction version. */
  correctionsOf(
    walletId: string,
    lane: number,
    fromVersion: number,
    toVersion: number,
  ): Promise<CorrectionLink[]>;
}
