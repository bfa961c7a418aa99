import type { RecordedEvent } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { ReadIndexes } from '#ports/read-indexes.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import { readAll, readWallet } from '../read-events.ts';
import type { Page, PageRequest } from './positions.ts';

export interface AuditTrailPage extends Page<RecordedEvent> {
  /** `lane:version` of a corrected event → the ids of the corrections that name it. */
  correctedBy: ReadonlyMap<string, string[]>;
}

/**
 * The audit trail: every event of the wallet, lane by lane (lane ascending, then version
 * ascending), oldest first within a lane — originals, the corrections that name them and the
 * compensating adjustments. Nothing is hidden or rewritten; `/verify` proves the chain. Undefined
 * for a wallet with no events.
 *
 * A page reads only what it lists: at most `limit + 1` events, as sort-key ranges of the lanes
 * from the cursor on (the extra event says where the next page starts). The `correctedBy`
 * annotation needs the corrections of the listed events, which may sit anywhere in lane 0: a wallet
 * begun with the read indexes reads them from its correction links, one range query per lane the
 * page lists (see ports/read-indexes.ts); any other wallet reads them from the log (correctionsOf).
 */
export async function auditTrail(
  store: EventStore,
  readModels: ReadModelStore,
  walletId: string,
  page: PageRequest,
): Promise<AuditTrailPage | undefined> {
  const { limit, from: start } = page;
  const lanes = await store.lanes(walletId);
  const listed: RecordedEvent[] = [];
  for (const lane of lanes.filter((candidate) => candidate >= start.lane)) {
    const fromVersion = lane === start.lane ? start.version : 1;
    const wanted = limit + 1 - listed.length;
    listed.push(
      ...(await readAll(store, walletId, lane, { fromVersion, toVersion: fromVersion + wanted - 1 })),
    );
    if (listed.length > limit) break;
  }
  if (listed.length === 0 && (await store.head(walletId, 0)).version === 0) return undefined;
  const following = listed[limit];
  return {
    items: listed.slice(0, limit),
    next: following === undefined ? undefined : { lane: following.lane, version: following.version },
    correctedBy:
      store.indexes !== undefined && (await store.indexes.indexed(walletId))
        ? await linkedCorrections(store.indexes, walletId, listed.slice(0, limit))
        : await correctionsOf(store, readModels, walletId, lanes),
  };
}

/** The corrections naming the listed events, from the correction links (by target, oldest first). */
async function linkedCorrections(
  indexes: ReadIndexes,
  walletId: string,
  listed: readonly RecordedEvent[],
): Promise<Map<string, string[]>> {
  const spans = new Map<number, { from: number; to: number }>();
  for (const { lane, version } of listed) {
    const span = spans.get(lane);
    spans.set(lane, {
      from: Math.min(span?.from ?? version, version),
      to: Math.max(span?.to ?? version, version),
    });
  }
  const links = await Promise.all(
    [...spans].map(([lane, span]) => indexes.correctionsOf(walletId, lane, span.from, span.to)),
  );
  const correctedBy = new Map<string, string[]>();
  for (const link of links.flat()) {
    const key = `${link.target.lane}:${link.target.version}`;
    correctedBy.set(key, [...(correctedBy.get(key) ?? []), link.correctionId]);
  }
  return correctedBy;
}

/**
 * Every correction of the wallet, by the `lane:version` it names (a wallet without read indexes). The read model counts the
 * corrections it applied: none means only the unapplied tail (lane k after `view.lanes[k]`) can
 * hold one, so only the tail is read. Otherwise the whole log is read once (corrections are rare;
 * wallets with read indexes use the corrections index instead: docs/how-it-works.md, "Read indexes").
 */
async function correctionsOf(
  store: EventStore,
  readModels: ReadModelStore,
  walletId: string,
  lanes: readonly number[],
): Promise<Map<string, string[]>> {
  const view = await readModels.getView(walletId);
  let candidates: RecordedEvent[];
  if (view === undefined || view.correctionCount > 0) {
    candidates = await readWallet(store, walletId);
  } else {
    candidates = [];
    for (const lane of lanes) {
      candidates.push(
        ...(await readAll(store, walletId, lane, { fromVersion: (view.lanes[lane] ?? 0) + 1 })),
      );
    }
  }
  const correctedBy = new Map<string, string[]>();
  for (const recorded of candidates) {
    if (recorded.type !== 'EventCorrected') continue;
    const key = `${recorded.data.target.lane}:${recorded.data.target.version}`;
    correctedBy.set(key, [...(correctedBy.get(key) ?? []), recorded.eventId]);
  }
  return correctedBy;
}
