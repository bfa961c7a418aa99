/**
 * The event store's append kinds are handed in by the composition, per function
 * (functions/composition/adapters.ts), so a function bundles only those it calls. A kind left out
 * of a function that calls it would switch group commit off there (an optional kind) or throw
 * (`appendTogether`): this checks, on the bundles the stack deploys, that every function whose
 * code can call a kind also carries it.
 */
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../lib/wiring.ts';
import { functionBundle } from '../../support/function-bundles.ts';

/** A kind's code, not a constant another kind borrows from its module (TRANSACT_ITEMS_MAX). */
const CODE_BYTES_MIN = 1024;
const app = (name: string) => `functions/app/${name}.ts`;
const kind = (name: string) => `functions/adapters/dynamodb/${name}.ts`;

/** The write code that calls a kind → the modules of the kinds it calls. */
const CALLS: readonly (readonly [string, readonly string[]])[] = [
  [app('command-handler'), [kind('append-group')]],
  [app('two-wallet-command'), [kind('append-together')]],
  [app('ingest-batch'), [kind('append-groups')]],
];

/**
 * The kinds only a batch path calls, which a Lambda instance never takes (app/group-commit-two.ts):
 * plugged by the composition as kinds loaded on their first call (`import()`), not carried.
 */
const LOADED_ON_FIRST_CALL: readonly (readonly [string, string])[] = [
  [app('group-commit-two'), kind('append-together-group')],
];

describe.each(FUNCTIONS.map((spec) => spec.name))('the %s bundle', (name) => {
  it('carries every append kind its write code calls, or loads it on its first call', async () => {
    const { eagerInputs, importedBy } = await functionBundle(name);
    const has = (input: string) => (eagerInputs[input] ?? 0) >= CODE_BYTES_MIN;
    // The credit-only writers load the group append on its first call (composition/lazy-group.ts).
    const loadable = (input: string) =>
      (importedBy[input] ?? []).some((importer) => importer.endsWith('(import())'));
    const missing = CALLS.flatMap(([caller, kinds]) =>
      has(caller)
        ? kinds.filter((each) => !has(each) && !loadable(each)).map((each) => `${caller} → ${each}`)
        : [],
    );
    expect(missing).toEqual([]);
    const notLoadable = LOADED_ON_FIRST_CALL.filter(
      ([caller, each]) =>
        (eagerInputs[caller] ?? 0) > 0 &&
        !(importedBy[each] ?? []).some((importer) => importer.endsWith('(import())')),
    );
    expect(notLoadable).toEqual([]);
  }, 120_000);
});

it('holds bundles only the append kinds it calls alone, deposit none (its group append loads with its first batch), transfers the two-wallet one', async () => {
  const bundle = async (name: string) => {
    const { eagerInputs } = await functionBundle(name);
    return (
      Object.entries(eagerInputs)
        // The shared transaction items and their limit are group-items.ts: any byte here is a kind's code.
        .filter(([input, bytes]) => /dynamodb\/append-[a-z-]+\.ts$/.test(input) && bytes > 0)
        .map(([input]) => input)
    );
  };
  expect((await bundle('holds')).sort()).toEqual([kind('append-group'), kind('append-together')]);
  expect(await bundle('deposit')).toEqual([]);
  expect(await bundle('transfers')).toEqual([kind('append-together')]);
  expect(await bundle('wallets')).toEqual([]);
}, 120_000);

it('the stream consumers carry the read by key; writers carry neither it nor the chain walk of verify', async () => {
  const inputs = async (name: string) => {
    const { eagerInputs } = await functionBundle(name);
    return (input: string) => (eagerInputs[input] ?? 0) > 0;
  };
  for (const consumer of ['project-streams', 'publish-events']) {
    expect((await inputs(consumer))(kind('read-event-refs')), consumer).toBe(true);
  }
  for (const writer of ['deposit', 'holds', 'transfers']) {
    const has = await inputs(writer);
    expect(has(kind('read-event-refs')), writer).toBe(false);
    expect(has(kind('verify-lanes')), writer).toBe(false);
  }
}, 120_000);

it('the checkpoint sweep carries the wallet listing, the chain walk and its slice-wide reads; /verify (wallets) loads the first two on use, and carries none of the rest, nor does deposit', async () => {
  const sweepOnly = [kind('wallet-lanes'), kind('batch-get'), kind('checkpoint-sweep-store')];
  const eager = async (name: string) => {
    const { eagerInputs } = await functionBundle(name);
    return [kind('wallet-ids'), kind('verify-lanes'), ...sweepOnly].filter(
      (input) => (eagerInputs[input] ?? 0) > 0,
    );
  };
  // Every tick lists wallets and walks chains: its first Scan waits on no chunk.
  expect(await eager('checkpoint-wallets')).toEqual([kind('wallet-ids'), kind('verify-lanes'), ...sweepOnly]);
  expect(await eager('wallets')).toEqual([]);
  expect(await eager('deposit')).toEqual([]);
}, 120_000);

it('the job runner carries the wallet listing: a replay or backtest page sends its Scan with its job read', async () => {
  const { eagerInputs } = await functionBundle('run-jobs');
  expect(eagerInputs[kind('wallet-ids')] ?? 0).toBeGreaterThan(0);
  // Not the chain walk: no job verifies a chain.
  expect(eagerInputs[kind('verify-lanes')] ?? 0).toBe(0);
}, 120_000);

it.each(FUNCTIONS.map((spec) => spec.name))(
  '%s carries the item writers of the index changes its writes derive',
  async (name) => {
    // A write naming indexChangesOf may change offers, expiries and listings; one naming
    // paymentListingChangesOf only listings (WalletWrite.indexes). The store must be able to write
    // those items (AppendKinds.indexItems), else the append throws.
    const { eagerInputs } = await functionBundle(name);
    const has = (input: string) => (eagerInputs[input] ?? 0) > 0;
    const writers = kind('index-item-writers');
    if (has(app('trading-index'))) {
      expect(has(writers), 'index-item-writers.ts').toBe(true);
      expect(has('functions/adapters/dynamodb/table-layout/offer-item.ts'), 'offer items').toBe(true);
      expect(has('functions/adapters/dynamodb/table-layout/expiry-item.ts'), 'expiry items').toBe(true);
    }
    if (has(app('payment-index'))) expect(has(writers), 'index-item-writers.ts').toBe(true);
  },
  120_000,
);
