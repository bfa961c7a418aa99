import type { RecordedEvent } from '#domain/wallet.ts';
import type { WalletView } from '#domain/wallet-view.ts';
import type { EventRef, EventStore } from '#ports/event-store.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import type { ViewCache, WalletPrefetch } from './wallet-projection.ts';

/**
 * What a stream batch's projections need, read for the whole batch at once: the events its
 * doorbells name, by their keys (EventStore.readEvents), and the stored views this projector
 * instance does not hold (ReadModelStore.getViews), the two requests side by side. Without it,
 * each wallet of the batch reads its view and then each of its lanes on its own: on a loaded
 * store, those requests queue behind each other and behind the writers (profiled: at saturation
 * they were two thirds of the DynamoDB requests of a deposit's whole path).
 *
 * Returns what each wallet holds (projectWallet's `prefetch`). Empty when the store cannot read by
 * key or the read failed: every wallet then reads for itself, as before; a failure here never
 * fails the batch, since that reading is correct on its own.
 */
export async function prefetchDoorbells(
  store: EventStore,
  readModels: ReadModelStore,
  rung: readonly EventRef[],
  views?: ViewCache,
  onError?: (error: unknown) => void,
): Promise<Map<string, WalletPrefetch>> {
  const prefetch = new Map<string, WalletPrefetch>();
  if (store.readEvents === undefined || rung.length === 0) return prefetch;
  // A record delivered twice in one batch names its event once.
  const refs = [...new Map(rung.map((ref) => [refKey(ref), ref])).values()];
  const walletIds = [...new Set(refs.map((ref) => ref.walletId))];
  // A wallet whose first event (lane 0, version 1) rang has no view older than this batch: its
  // view is not read, the fold starts from none, and its write is refused if one exists by then
  // (a redelivery, another projector), which the projector then reads (wallet-projection.ts).
  const firstRang = new Set(
    refs.filter((ref) => ref.lane === 0 && ref.version === 1).map((ref) => ref.walletId),
  );
  const unknownViews = walletIds.filter(
    (walletId) => views?.get(walletId) === undefined && !firstRang.has(walletId),
  );
  let events: RecordedEvent[];
  let stored: Map<string, WalletView>;
  try {
    [events, stored] = await Promise.all([
      store.readEvents(refs),
      unknownViews.length === 0 ? new Map<string, WalletView>() : readModels.getViews(unknownViews),
    ]);
  } catch (error) {
    onError?.(error);
    return prefetch;
  }
  const found = new Map(events.map((event) => [refKey(event), event]));
  const lanesOf = new Map<string, Map<number, RecordedEvent[] | undefined>>();
  for (const ref of refs) {
    const lanes = lanesOf.get(ref.walletId) ?? new Map<number, RecordedEvent[] | undefined>();
    lanesOf.set(ref.walletId, lanes);
    const event = found.get(refKey(ref));
    const held = lanes.has(ref.lane) ? lanes.get(ref.lane) : [];
    // A doorbell whose event is not there (never expected): the lane is read from the store.
    lanes.set(ref.lane, event === undefined || held === undefined ? undefined : [...held, event]);
  }
  for (const [walletId, events] of lanesOf) {
    prefetch.set(walletId, {
      events,
      ...(unknownViews.includes(walletId)
        ? { view: stored.get(walletId) ?? null }
        : firstRang.has(walletId) && views?.get(walletId) === undefined
          ? { view: null }
          : {}),
    });
  }
  return prefetch;
}

const refKey = ({ walletId, lane, version }: EventRef) => `${walletId}|${lane}|${version}`;
