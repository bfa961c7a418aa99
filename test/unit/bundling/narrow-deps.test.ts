/**
 * Each builder of functions/composition hands a function only the stores and append kinds its use
 * case calls, so the function bundles only their code (issue 13 §4, "lean functions"). These pin
 * the cuts made that way, on the bundles the stack deploys: a builder that goes back to "every
 * store" (storesFromEnv) or to every append kind puts the code back, and fails here.
 */
import { describe, expect, it } from 'vitest';
import { functionBundle } from '../../support/function-bundles.ts';

const dynamo = (name: string) => `functions/adapters/dynamodb/${name}.ts`;

/** Bytes each source file adds to what the function's cold start loads. */
const eagerInputs = async (name: string) => (await functionBundle(name)).eagerInputs;

/** A module's code, not a constant or helper another module borrows from it. */
const CODE_BYTES_MIN = 1024;
const carries = (inputs: Record<string, number>, input: string) => (inputs[input] ?? 0) >= CODE_BYTES_MIN;

describe('the payment functions', () => {
  it.each(['payments', 'orders'])(
    '%s writes one wallet per command: no two-wallet append kinds',
    async (name) => {
      const inputs = await eagerInputs(name);
      // Its transaction's items are group-items.ts: any byte of append-group.ts is its own code.
      expect(inputs[dynamo('append-group')] ?? 0, 'append-group').toBeGreaterThan(0);
      expect(carries(inputs, dynamo('append-together')), 'append-together').toBe(false);
      expect(carries(inputs, dynamo('append-together-group')), 'append-together-group').toBe(false);
    },
    120_000,
  );

  it('payment-webhook moves an order’s points to the merchant: it keeps the two-wallet kinds', async () => {
    const inputs = await eagerInputs('payment-webhook');
    expect(carries(inputs, dynamo('append-together'))).toBe(true);
  }, 120_000);

  it.each([
    ['payments', true],
    ['orders', true],
    ['payment-webhook', false],
  ] as const)(
    '%s reads no offer book or expiry index; the payment listing: %s',
    async (name, lists) => {
      const inputs = await eagerInputs(name);
      expect((inputs[dynamo('payment-index')] ?? 0) > 0, 'payment-index').toBe(lists);
      expect(carries(inputs, dynamo('trading-index')), 'trading-index class').toBe(false);
    },
    120_000,
  );
});

it.each(['offers', 'sweep-expiries'])(
  '%s reads the offer book or expiry index, and no payment listing',
  async (name) => {
    const inputs = await eagerInputs(name);
    // Its classes alone: the item writers every writer once took from it are in index-items.ts.
    expect(inputs[dynamo('trading-index')] ?? 0).toBeGreaterThan(0);
    expect(inputs[dynamo('payment-index')] ?? 0).toBe(0);
  },
  120_000,
);

/**
 * The stores each function that evaluates rules uses; the others' code is not in its bundle. They
 * read rule sets and never publish: the reader (rule-set-reader.ts), not the store that publishes
 * (rule-sets.ts).
 */
const STORES_USED: Record<string, readonly string[]> = {
  'ingest-queue': ['rule-set-reader'],
  'ingest-kafka': ['rule-set-reader'],
  // The card decision rules' store loads with the first authorization (lazy-rules.test.ts).
  accounts: [],
  corrections: ['rule-set-reader', 'read-models'],
  backtest: ['rule-set-reader', 'jobs'],
  'run-jobs': ['rule-set-reader', 'read-models', 'jobs'],
};
const OTHER_STORES = ['read-models', 'jobs', 'snapshots', 'rule-sets', 'rule-set-reader'];

describe.each(Object.entries(STORES_USED))('the %s bundle', (name, used) => {
  it('carries only the stores it uses', async () => {
    const inputs = await eagerInputs(name);
    // A store it uses is there (the rule-set reader is one small class, about 650 bytes); another
    // store's code is not (a constant borrowed from its module aside).
    const present = [...new Set([...used, ...OTHER_STORES])].filter((store) =>
      used.includes(store) ? (inputs[dynamo(store)] ?? 0) > 0 : carries(inputs, dynamo(store)),
    );
    expect(present.sort()).toEqual([...used].sort());
  }, 120_000);

  it('carries no two-wallet append kind and no read by key (none of its code calls them)', async () => {
    const inputs = await eagerInputs(name);
    expect(
      ['append-together', 'append-together-group', 'read-event-refs'].filter(
        (kind) => (inputs[dynamo(kind)] ?? 0) > 0,
      ),
    ).toEqual([]);
  }, 120_000);
});

it('only the queue ingest carries the batch append kinds (Kafka ingests record by record)', async () => {
  for (const name of Object.keys(STORES_USED)) {
    const inputs = await eagerInputs(name);
    expect(carries(inputs, dynamo('append-groups')), name).toBe(name === 'ingest-queue');
  }
}, 240_000);

it('accounts evaluates card decision rules only: it carries no points-rules compiler', async () => {
  // card-decision-rules.ts once took its refresh interval from active-rules.ts, and with it the
  // points rules' compiler (compile-form.ts), which no card decision calls.
  // (The decision rules themselves load with the first authorization: lazy-rules.test.ts.)
  const inputs = await eagerInputs('accounts');
  expect(
    ['functions/rules/compile-form.ts', 'functions/app/active-rules.ts'].filter(
      (input) => (inputs[input] ?? 0) > 0,
    ),
  ).toEqual([]);
}, 120_000);

it('run-jobs appends only when a backtest applies: the write path is a lazy chunk, not its cold start', async () => {
  // Replay pages and dry-run backtests never append; app/backtest-apply.ts (the command handler,
  // group commit, the ledger's decider) loads with the first wallet a backtest applies to.
  const inputs = await eagerInputs('run-jobs');
  expect(inputs['functions/app/backtest.ts'] ?? 0).toBeGreaterThan(0);
  expect(
    [
      'functions/app/command-handler.ts',
      'functions/app/group-commit.ts',
      'functions/app/placement.ts',
      'functions/app/group-commit-carry.ts',
      'functions/domain/wallet/ledger.ts',
    ].filter((input) => (inputs[input] ?? 0) > 0),
  ).toEqual([]);
}, 120_000);

it.each(['transfers', 'holds', 'offers', 'payment-webhook'])(
  '%s appends two wallets alone at its cold start; the two-wallet batch’s append kind loads with the batch path',
  async (name) => {
    // A Lambda instance never batches two two-wallet commands (app/group-commit-two.ts):
    // composition/two-wallet.ts plugs appendTogetherGroup as a kind loaded on its first call.
    const inputs = await eagerInputs(name);
    expect(carries(inputs, dynamo('append-together')), 'append-together').toBe(true);
    expect(inputs[dynamo('append-together-group')] ?? 0, 'append-together-group').toBe(0);
  },
  120_000,
);

it.each([
  ['corrections', true],
  ['rules', true],
  ['deposit', false],
  ['payments', false],
  ['orders', false],
  ['payment-webhook', false],
  ['wallets', false],
] as const)(
  '%s carries the admin token check (http/admin.ts): %s',
  async (name, admin) => {
    // Admin routes name the check (HttpRoute.admin.authorize); httpRoute itself does not import it.
    const inputs = await eagerInputs(name);
    expect((inputs['functions/http/admin.ts'] ?? 0) > 0).toBe(admin);
  },
  120_000,
);

it.each([
  ['deposit', false, false],
  ['corrections', false, false],
  ['payments', true, false],
  ['payment-webhook', true, false],
  ['orders', true, true],
  ['holds', true, true],
] as const)(
  '%s derives the index changes of its writes’ families only: payment listing %s, trading index %s',
  async (name, listing, trading) => {
    // WalletWrite.indexes: ledger writes change neither; a payment's own writes its listing.
    const inputs = await eagerInputs(name);
    expect((inputs['functions/app/payment-index.ts'] ?? 0) > 0, 'payment listing').toBe(listing);
    expect((inputs['functions/app/trading-index.ts'] ?? 0) > 0, 'trading index').toBe(trading);
  },
  120_000,
);

it.each([
  ['deposit', []],
  ['corrections', []],
  ['wallets', []],
  ['payments', ['payment-item']],
  ['orders', ['expiry-item', 'offer-item', 'payment-item']],
] as const)(
  '%s writes only the index items its writes change: %j',
  async (name, items) => {
    // AppendKinds.indexItems: ledger writers and readers carry no offer, expiry or payment item writer.
    const inputs = await eagerInputs(name);
    const writes = (item: string) =>
      (inputs[`functions/adapters/dynamodb/table-layout/${item}.ts`] ?? 0) > 0 &&
      (inputs[dynamo('index-item-writers')] ?? 0) > 0;
    expect(['expiry-item', 'offer-item', 'payment-item'].filter(writes)).toEqual(items);
  },
  120_000,
);

it.each([
  ['corrections', false, false],
  ['deposit', true, false],
  ['accounts', true, true],
] as const)(
  '%s commits its commands in groups (app/group-commit.ts): %s; appendGroup at its cold start: %s',
  async (name, grouped, appends) => {
    // A correction is appended alone (app/corrections.ts → command-alone.ts handleCommandAlone):
    // the corrections function carries neither the group commit nor its append kind. A deposit
    // alone runs alone: its group append loads with its first batch (lazy-group-batch.test.ts).
    const inputs = await eagerInputs(name);
    expect((inputs['functions/app/group-commit.ts'] ?? 0) > 0, 'group-commit').toBe(grouped);
    expect((inputs[dynamo('append-group')] ?? 0) > 0, 'append-group').toBe(appends);
    expect(carries(inputs, 'functions/app/command-alone.ts'), 'the command on its own').toBe(true);
  },
  120_000,
);

it('accounts renders only its own events: no audit JSON of the other families (http/audit-json.ts)', async () => {
  // Its answers and statements take http/account-audit-json.ts; the wallet's trail takes both.
  const inputs = await eagerInputs('accounts');
  expect(inputs['functions/http/audit-json.ts'] ?? 0).toBe(0);
  expect(inputs['functions/http/account-audit-json.ts'] ?? 0).toBeGreaterThan(0);
  expect((await eagerInputs('wallets'))['functions/http/audit-json.ts'] ?? 0).toBeGreaterThan(0);
}, 120_000);

it('accounts loads the statement, reads at a cut and the debug lines with their first call, not at its cold start', async () => {
  // handlers/account-reads.ts and app/account-log.ts are reached by import() alone: the balance
  // now, authorizations, captures and payments (the usual calls) do not load them.
  const bundle = await functionBundle('accounts');
  const lazy = [
    'functions/handlers/account-reads.ts',
    'functions/domain/card/statement-lines.ts',
    'functions/http/account-statement-json.ts',
    'functions/domain/bitemporal.ts',
    'functions/http/query.ts',
    'functions/app/account-log.ts',
  ];
  expect(lazy.filter((input) => (bundle.eagerInputs[input] ?? 0) > 0)).toEqual([]);
  expect(lazy.filter((input) => !bundle.inputs.includes(input))).toEqual([]);
}, 120_000);

it.each(['orders', 'payments'])(
  '%s loads the wallet listing with that route’s first call, not at its cold start',
  async (name) => {
    // handlers/orders.ts and payments.ts reach http/payment-list-json.ts by import() alone: placing,
    // reading and refunding a payment do not run it.
    const bundle = await functionBundle(name);
    const listing = 'functions/http/payment-list-json.ts';
    expect(bundle.eagerInputs[listing] ?? 0).toBe(0);
    expect(bundle.inputs).toContain(listing);
  },
  120_000,
);
