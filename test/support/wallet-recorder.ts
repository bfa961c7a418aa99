import { isDomainError } from '#domain/errors.ts';
import {
  decide,
  foldWallet,
  initialWalletState,
  type RecordedEvent,
  type WalletCommand,
  type WalletState,
} from '#domain/wallet.ts';

/**
 * One wallet's lane 0 in memory, driven through the pure decider: `run` decides a command against
 * the state so far and, unless it is refused, records its events (numbered e1, e2, … in order) and
 * folds them. For domain tests that walk a wallet through a story without a store.
 */
export function walletRecorder(walletId = 'w1') {
  const log: RecordedEvent[] = [];
  let state: WalletState = initialWalletState();
  const run = (command: WalletCommand) => {
    const decided = decide(command, state);
    if (isDomainError(decided)) return decided;
    const recorded = decided.map(
      (event, index) =>
        ({
          ...event,
          walletId,
          lane: 0,
          version: log.length + index + 1,
          eventId: `e${log.length + index + 1}`,
          recordedAtMs: 1_000,
        }) as RecordedEvent,
    );
    log.push(...recorded);
    state = foldWallet(recorded, state);
    return decided;
  };
  return { log, run, state: () => state };
}
