import { systemClock } from '#adapters/clock.ts';
import type { AppendKinds } from '#adapters/dynamodb/append-kinds.ts';
import { DynamoCheckpointSweepStore } from '#adapters/dynamodb/checkpoint-sweep-store.ts';
import { readCardEventsFast } from '#adapters/dynamodb/table-layout/card-event-fast.ts';
import { readCorrectionEventsFast } from '#adapters/dynamodb/table-layout/correction-event-fast.ts';
import { readPaymentEventsFast } from '#adapters/dynamodb/table-layout/payment-event-fast.ts';
import { readTransferEventsFast } from '#adapters/dynamodb/table-layout/transfer-event-fast.ts';
import { verifyLanes } from '#adapters/dynamodb/verify-lanes.ts';
import { scanWalletIds } from '#adapters/dynamodb/wallet-ids.ts';
import { walletLanes } from '#adapters/dynamodb/wallet-lanes.ts';
import type { CheckpointSweepDeps } from '#app/checkpoint-sweep.ts';
import type { CheckpointSigner } from '#ports/checkpoints.ts';
import { eventStoreFromEnv, readModelsFromEnv, storeOnTable } from './adapters.ts';
import { checkpointSigningFromEnv } from './config.ts';
import { checkpointsOnce } from './lambda.ts';

/**
 * The scheduled checkpoint pass's composition (app/checkpoint-sweep.ts), in a module of its own:
 * every tick lists wallets and walks their chains, so this function hands the event store both
 * (AppendKinds) and carries them in its bundle, and its first Scan goes out with the pass mark's
 * read instead of after a chunk loads. It also hands in what no other function does: a slice of
 * wallets' lane registries in one read (walletLanes), and a checkpoint store that reads the pass
 * mark by BatchGetItem (checkpoint-sweep-store.ts).
 * Imported only by the checkpoint-wallets handler: a static import of them from a module every
 * function loads (lambda.ts, adapters.ts) would put them, and the chunk the other functions load
 * them from, into every cold start.
 */
const CHAIN_WALKS: AppendKinds = { scanWalletIds, verifyLanes, walletLanes };
// A pass reads every kind of wallet's checkpointed head: a paying, trading or corrected wallet's
// and a card account's usual events too without the schema (its lazy chunk and ~140 schemas at a
// cold pass).
readPaymentEventsFast();
readCardEventsFast();
readTransferEventsFast();
readCorrectionEventsFast();
/** The checkpoint store with the pass mark read by BatchGetItem (checkpoint-sweep-store.ts). */
const sweepCheckpointsFromEnv = /* @__PURE__ */ storeOnTable(DynamoCheckpointSweepStore);

/**
 * The scheduled checkpoint pass: it needs the key. The key is loaded while the pass sends its
 * first requests (`ready`, awaited before the pass reads an answer), not before them: in AWS it is
 * a Secrets Manager read, with a client and a connection of its own.
 */
export async function checkpointSweepDeps(): Promise<CheckpointSweepDeps> {
  const key = checkpointsOnce().then((found) => {
    if (found === undefined)
      throw new Error(
        'checkpoint pass: no checkpoint key (TALLY_CHECKPOINT_KEY_SECRET_ARN, TALLY_CHECKPOINT_KEY or …_FILE)',
      );
    return found.signer;
  });
  // Awaited by the pass (ready) before any use of the signer.
  key.catch(() => undefined);
  const signer: CheckpointSigner = {
    sign: async (text) => (await key).sign(text),
    verify: async (text, signature) => (await key).verify(text, signature),
  };
  const store = sweepCheckpointsFromEnv();
  return {
    events: eventStoreFromEnv(CHAIN_WALKS),
    readModels: readModelsFromEnv(),
    checkpoints: { store, signer, sign: checkpointSigningFromEnv() },
    marks: store,
    clock: systemClock,
    ready: key,
  };
}
