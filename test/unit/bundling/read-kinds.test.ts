/**
 * The reads that catch a wallet's view or an account's state up from the log (currentView,
 * accountNow) wait once when their store reads the lane registry with lane 0's newest events
 * (`tailAndLanes`, adapters/dynamodb/head-and-lanes.ts); a store without it reads the registry and
 * lane 0's head, and waits again for lane 0. The composition hands that read in per function
 * (LANE_ZERO_READS, composition/adapters.ts): this checks, on the bundles the stack deploys, that
 * every function whose first call folds a view or an account carries it.
 */
import { expect, it } from 'vitest';
import { functionBundle } from '../../support/function-bundles.ts';

const TAIL_READ = 'functions/adapters/dynamodb/head-and-lanes.ts';

it.each(['details', 'wallets', 'accounts', 'corrections'])(
  '%s carries the registry-with-tail read its view or account read calls',
  async (name) => {
    const { eagerInputs } = await functionBundle(name);
    expect(eagerInputs[TAIL_READ] ?? 0).toBeGreaterThan(0);
  },
  120_000,
);
