import type { EventStore, VerifyResult } from '#ports/event-store.ts';
import type { ReadModelStore } from '#ports/read-models.ts';

/**
 * What `/verify` answers. The hash chains alone prove only that each lane is internally
 * consistent: removing a lane's newest events, or the lane registry, leaves shorter chains that
 * still check. So each lane's head is also held against an anchor outside the chain it proves:
 * the read model, which records per lane the last version it applied (`view.lanes[k]`). A lane
 * the read model applied but the store no longer lists, or whose head is below what was applied,
 * lost events after they were acknowledged and projected.
 */
export async function verifyWallet(
  store: EventStore,
  readModels: ReadModelStore,
  walletId: string,
): Promise<VerifyResult | undefined> {
  const [chains, view] = await Promise.all([store.verify(walletId), readModels.getView(walletId)]);
  if (!chains.ok) return chains;
  if (chains.events === 0 && (view === undefined || view.eventCount === 0)) return undefined;
  if (view === undefined) return chains;
  const listed = new Set(await store.lanes(walletId));
  for (const [lane, applied] of view.lanes.entries()) {
    if (applied === 0) continue;
    const broken = (reason: string): VerifyResult => ({
      ok: false,
      lane,
      version: applied,
      reason,
      eventsChecked: chains.events,
    });
    if (!listed.has(lane)) {
      return broken(
        `the read model applied lane ${lane} up to version ${applied}, but the store does not list the lane (its registry was edited)`,
      );
    }
    const head = await store.head(walletId, lane);
    if (head.version < applied) {
      return broken(
        `the read model applied lane ${lane} up to version ${applied}, but the lane ends at version ${head.version} (events were removed from its tail)`,
      );
    }
  }
  return chains;
}
