/**
 * The corrections function's composition, in a module of its own: it loads the rules engine with
 * `import()` (composition/lazy-rules.ts), and any function whose module graph holds that
 * `import()` would load at its cold start what it shares with the lazy chunk.
 */
import { readCorrectionEventsFast } from '#adapters/dynamodb/table-layout/correction-event-fast.ts';
import { withWalletAndHead } from '#adapters/dynamodb/wallet-and-head.ts';
import { eventStoreFromEnv, LANE_ZERO_READS, readModelsFromEnv } from './adapters.ts';
import { clockAndIds, threshold } from './lambda.ts';
import { lazyActiveVersion, lazyRuleSetVersions } from './lazy-rules.ts';

// A correction reads its wallet's whole log, which holds the wallet's earlier corrections: the event
// item's fast path reads those too, so that no schema is built for them (correction-event-fast.ts).
readCorrectionEventsFast();

// Corrections take only the stores they use (not storesFromEnv, which bundles every store and every
// append kind), and no append kind: a correction is appended alone (app/corrections.ts), with the
// store's own `append`, never in a group (appendGroup). It reads the wallet's whole log with lane
// 0's head in one Query (withWalletAndHead), decides on it and folds the views before and after from
// it (correctAndShow). The one read kind it names, LANE_ZERO_READS, brings lane 0's newest events
// with the registry to the view read after a correction that lost lane 0's race (currentView).
export async function correctionsDeps() {
  return {
    stores: {
      events: withWalletAndHead(eventStoreFromEnv(LANE_ZERO_READS)),
      readModels: readModelsFromEnv(),
    },
    // Only amending a fact evaluates rules: the CEL engine loads with the first such correction.
    ruleSets: lazyRuleSetVersions(),
    activeVersion: lazyActiveVersion,
    // Read with the wallet's whole log and lane 0's head (app/corrections.ts correctAndShow).
    config: threshold,
    ...clockAndIds(),
  };
}
