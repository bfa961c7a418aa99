import type { RecordedEvent } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';
import { readWallet } from '../read-events.ts';
import type { EventPosition, Page, PageRequest } from './positions.ts';

export type Fact = RecordedEvent & { type: 'FactRecorded' };
export type Award = RecordedEvent & { type: 'PointsAwarded' };

/** An award (or an adjustment, shown as one) with the fact that earned it, when known. */
export interface ExplainedAward {
  award: Award;
  fact: Fact | undefined;
  adjustment?: { cause: string; causeId: string };
}

/**
 * The awards, lane by lane, oldest first. A fact and its awards are one append, so a page ends
 * only between facts: each award is listed with its fact. Adjustments (corrections, backtest
 * applications) are appended later, in lane 0: their fact is looked up, in one read of the
 * wallet's log when the page did not meet it. Undefined for a wallet with no events (first page).
 */
export async function pointsExplained(
  store: EventStore,
  walletId: string,
  page: PageRequest & { continued: boolean },
): Promise<Page<ExplainedAward> | undefined> {
  const { limit, from: start } = page;
  const lanes = (await store.lanes(walletId)).filter((lane) => lane >= start.lane);
  const listed: ExplainedAward[] = [];
  const facts = new Map<string, Fact>();
  let next: EventPosition | undefined;
  scan: for (const lane of lanes) {
    let fact: Fact | undefined;
    const fromVersion = lane === start.lane ? start.version : 1;
    for await (const events of store.read(walletId, lane, { fromVersion })) {
      for (const recorded of events) {
        if (recorded.type === 'FactRecorded') {
          if (listed.length >= limit) {
            next = { lane, version: recorded.version };
            break scan;
          }
          fact = recorded;
          facts.set(recorded.data.factId, recorded);
        } else if (recorded.type === 'PointsAwarded') {
          listed.push({
            award: recorded,
            fact: fact?.data.factId === recorded.data.factId ? fact : undefined,
          });
        } else if (recorded.type === 'PointsAdjusted') {
          // Adjustments stand alone (no fact before them in the lane): a page may end before one.
          if (listed.length >= limit) {
            next = { lane, version: recorded.version };
            break scan;
          }
          listed.push({
            award: { ...recorded, type: 'PointsAwarded' },
            fact: facts.get(recorded.data.factId),
            adjustment: { cause: recorded.data.cause, causeId: recorded.data.causeId },
          });
        }
      }
    }
  }
  if (listed.some((entry) => entry.adjustment !== undefined && entry.fact === undefined)) {
    for (const recorded of await readWallet(store, walletId)) {
      if (recorded.type === 'FactRecorded') facts.set(recorded.data.factId, recorded);
    }
    for (const entry of listed) entry.fact ??= facts.get(entry.award.data.factId);
  }
  if (listed.length === 0 && !page.continued && (await store.head(walletId, 0)).version === 0) {
    return undefined;
  }
  return { items: listed, next };
}
