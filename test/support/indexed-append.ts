import { readWallet } from '#app/read-events.ts';
import { readIndexChangesOf } from '#app/read-indexes.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import type { AppendOutcome, AppendRequest, EventStore } from '#ports/event-store.ts';

/**
 * An append straight to the store that writes the read indexes as the command path does
 * (command-handler.ts): for fixtures that place events where no command would, so the listings
 * under test read the same indexes a real write leaves.
 */
export async function indexedAppend(store: EventStore, request: AppendRequest): Promise<AppendOutcome> {
  const state = foldWallet(await readWallet(store, request.walletId), initialWalletState());
  const index = readIndexChangesOf(
    request.walletId,
    state,
    request.lane,
    request.expected.version,
    request.events,
  );
  return store.append({ ...request, index: [...(request.index ?? []), ...index] });
}
