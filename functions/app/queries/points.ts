import type { RecordedEvent } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { ReadIndexes } from '#ports/read-indexes.ts';
import { readAll, readWallet } from '../read-events.ts';
import type { EventPosition, Page, PageRequest } from './positions.ts';

export type Fact = RecordedEvent & { type: 'FactRecorded' };
export type Award = RecordedEvent & { type: 'PointsAwarded' };

/** An award (or an adjustment, shown as one) with the fact that earned it, when known. */
export interface ExplainedAward {
  award: Award;
  fact: Fact | undefined;
  adjustment?: { cause: string; causeId: string };
}

type PointsPage = PageRequest & { continued: boolean };

/**
 * The awards, lane by lane, oldest first. A fact and its awards are one append, so a page ends
 * only between facts: each award is listed with its fact. Adjustments (corrections, backtest
 * applications) are appended later, in lane 0, and name their fact. Undefined for a wallet with
 * no events (first page).
 *
 * A wallet begun with the read indexes (ports/read-indexes.ts) is read through its award ranges:
 * a page reads only the ranges it lists (and the facts its adjustments name), however long the
 * log. Any other wallet is read by scanning its lanes from the cursor (pointsFromLog); both give
 * the same entries in the same order.
 */
export async function pointsExplained(
  store: EventStore,
  walletId: string,
  page: PointsPage,
): Promise<Page<ExplainedAward> | undefined> {
  const indexes = store.indexes;
  if (indexes !== undefined && (await indexes.indexed(walletId))) {
    return pointsFromIndex(store, indexes, walletId, page);
  }
  return pointsFromLog(store, walletId, page);
}

/** Lists awards from events in log order until the page is full (then `next` says where it stopped). */
class AwardLister {
  readonly listed: ExplainedAward[] = [];
  readonly facts = new Map<string, Fact>();
  next: EventPosition | undefined;
  private fact: Fact | undefined;

  constructor(private readonly limit: number) {}

  startLane(): void {
    this.fact = undefined;
  }

  /** Takes the next event of the lane; false once the page is full (the event is not taken). */
  take(recorded: RecordedEvent): boolean {
    if (recorded.type === 'FactRecorded') {
      if (this.listed.length >= this.limit) return this.stop(recorded);
      this.fact = recorded;
      this.facts.set(recorded.data.factId, recorded);
    } else if (recorded.type === 'PointsAwarded') {
      const fact = this.fact?.data.factId === recorded.data.factId ? this.fact : undefined;
      this.listed.push({ award: recorded, fact });
    } else if (recorded.type === 'PointsAdjusted') {
      // Adjustments stand alone (no fact before them in the lane): a page may end before one.
      if (this.listed.length >= this.limit) return this.stop(recorded);
      this.listed.push({
        award: { ...recorded, type: 'PointsAwarded' },
        fact: this.facts.get(recorded.data.factId),
        adjustment: { cause: recorded.data.cause, causeId: recorded.data.causeId },
      });
    }
    return true;
  }

  get full(): boolean {
    return this.listed.length >= this.limit;
  }

  /** Adjustments whose fact the page did not meet. */
  unexplained(): ExplainedAward[] {
    return this.listed.filter((entry) => entry.adjustment !== undefined && entry.fact === undefined);
  }

  private stop(recorded: RecordedEvent): false {
    this.next = { lane: recorded.lane, version: recorded.version };
    return false;
  }
}

/** Scans the lanes from the cursor; an adjustment's fact not met on the page costs one read of the log. */
export async function pointsFromLog(
  store: EventStore,
  walletId: string,
  page: PointsPage,
): Promise<Page<ExplainedAward> | undefined> {
  const { limit, from: start } = page;
  const lanes = (await store.lanes(walletId)).filter((lane) => lane >= start.lane);
  const lister = new AwardLister(limit);
  scan: for (const lane of lanes) {
    lister.startLane();
    const fromVersion = lane === start.lane ? start.version : 1;
    for await (const events of store.read(walletId, lane, { fromVersion })) {
      for (const recorded of events) if (!lister.take(recorded)) break scan;
    }
  }
  if (lister.unexplained().length > 0) await explainFromLog(store, walletId, lister);
  if (lister.listed.length === 0 && !page.continued && (await store.head(walletId, 0)).version === 0) {
    return undefined;
  }
  return { items: lister.listed, next: lister.next };
}

/**
 * Reads only the award ranges the page lists, lane by lane from the cursor. Each range ends with
 * an award, so `limit + 1` ranges always fill a page or end the lane.
 */
async function pointsFromIndex(
  store: EventStore,
  indexes: ReadIndexes,
  walletId: string,
  page: PointsPage,
): Promise<Page<ExplainedAward>> {
  const { limit, from: start } = page;
  const lanes = (await store.lanes(walletId)).filter((lane) => lane >= start.lane);
  const lister = new AwardLister(limit);
  const places = new Map<string, { lane: number; version: number }>();
  scan: for (const lane of lanes) {
    lister.startLane();
    let fromVersion = lane === start.lane ? start.version : 1;
    for (;;) {
      const ranges = await indexes.awardRanges(walletId, lane, fromVersion, limit + 1);
      for (const range of ranges) {
        if (lister.full) {
          // A range begins with a fact or an adjustment: where the next page starts, unread.
          lister.next = { lane, version: Math.max(range.fromVersion, fromVersion) };
          break scan;
        }
        for (const place of range.facts) places.set(place.factId, place);
        const events = await readAll(store, walletId, lane, {
          fromVersion: Math.max(range.fromVersion, fromVersion),
          toVersion: range.toVersion,
        });
        for (const recorded of events) if (!lister.take(recorded)) break scan;
        fromVersion = range.toVersion + 1;
      }
      if (ranges.length < limit + 1) break;
    }
  }
  for (const entry of lister.unexplained()) {
    const place = places.get(entry.award.data.factId);
    if (place === undefined) continue;
    const [found] = await readAll(store, walletId, place.lane, {
      fromVersion: place.version,
      toVersion: place.version,
    });
    if (found?.type === 'FactRecorded') entry.fact = found;
  }
  // A fact the index could not place (never expected): the log is the truth.
  if (lister.unexplained().length > 0) await explainFromLog(store, walletId, lister);
  return { items: lister.listed, next: lister.next };
}

async function explainFromLog(store: EventStore, walletId: string, lister: AwardLister): Promise<void> {
  for (const recorded of await readWallet(store, walletId)) {
    if (recorded.type === 'FactRecorded') lister.facts.set(recorded.data.factId, recorded);
  }
  for (const entry of lister.listed) entry.fact ??= lister.facts.get(entry.award.data.factId);
}
