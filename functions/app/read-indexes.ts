/**
 * What an append adds to the read indexes (ports/read-indexes.ts), derived from the events it
 * writes, where they land (lane, versions from `expected + 1`) and the state they were decided
 * against. Every write path calls it where it assembles its transaction (command-handler.ts,
 * two-wallet-command.ts), so the indexes ride in the events' TransactWriteItems and can never
 * disagree with the log. Pure.
 */
import type { WalletState } from '#domain/wallet.ts';
import type { NewEvent } from '#ports/event-store.ts';
import type { ReadIndexChange } from '#ports/read-indexes.ts';

export function readIndexChangesOf(
  walletId: string,
  state: WalletState,
  lane: number,
  expectedVersion: number,
  events: readonly NewEvent[],
): ReadIndexChange[] {
  const changes: ReadIndexChange[] = [];
  if (lane === 0 && expectedVersion === 0 && events.length > 0) changes.push({ kind: 'indexed', walletId });
  const versionOf = (index: number) => expectedVersion + 1 + index;
  let first: number | undefined;
  let last: number | undefined;
  const factsHere = new Set<string>();
  const adjusted = new Set<string>();
  for (const [index, event] of events.entries()) {
    switch (event.type) {
      case 'FactRecorded':
        first ??= index;
        factsHere.add(event.data.factId);
        break;
      case 'PointsAwarded':
        first ??= index;
        last = index;
        break;
      case 'PointsAdjusted':
        first ??= index;
        last = index;
        if (!factsHere.has(event.data.factId)) adjusted.add(event.data.factId);
        break;
      case 'EventCorrected':
        changes.push({
          kind: 'correction',
          walletId,
          link: {
            target: { lane: event.data.target.lane, version: event.data.target.version },
            correctionVersion: versionOf(index),
            correctionId: event.eventId,
          },
        });
        break;
      default:
        break;
    }
  }
  if (first !== undefined && last !== undefined && last >= first) {
    changes.push({
      kind: 'awards',
      walletId,
      range: {
        lane,
        fromVersion: versionOf(first),
        toVersion: versionOf(last),
        facts: adjusted.size === 0 ? [] : factPlaces(state, adjusted),
      },
    });
  }
  return changes;
}

/** Where the facts named by adjustments sit, from the state the append was decided against. */
function factPlaces(state: WalletState, factIds: ReadonlySet<string>) {
  // In log order, the last fact of an id wins, as it does in a read of the whole log.
  const places = new Map<string, { factId: string; lane: number; version: number }>();
  for (const event of state.correctables.values()) {
    if (event.type === 'FactRecorded' && factIds.has(event.data.factId)) {
      places.set(event.data.factId, { factId: event.data.factId, lane: event.lane, version: event.version });
    }
  }
  return [...places.values()];
}
