/**
 * What the two ingest functions load only on a path their typical message does not take, pinned on
 * the bundles the stack deploys (docs/benchmarks.md, "Bundling"):
 * - card accounts' events (`account.*`, `payment.*`): their ingest (app/card-ingest.ts), the card
 *   decider, the account log and the trading index's changes, loaded with the first such event
 *   (composition/card-ingest.ts); a points or deposit event never runs them;
 * - a protobuf Kafka record's timestamps and binary data (adapters/kafka/msk-protobuf-values.ts),
 *   with the protobuf codec's chunk: a JSON record never reads them.
 * Each is still in a lazy chunk of the function: the path works, it just loads on first use.
 *
 * And what a function never runs at all: Kafka ingests each partition's records one by one, never
 * a batch together, so ingest-kafka bundles no batch writes (adapters/dynamodb/append-groups.ts),
 * which the queue's batch path calls. And what a credit never runs at all: the wallet fold (domain/wallet/evolve.ts and the trading,
 * payment and card folds it calls). Only lane-0 writes decide on folded state, and each names the
 * fold as it names its decider (WalletWrite's `fold`); deposit and ingest send credits, decided
 * without state. Their bundles reach it only through ingest's card chunk.
 */
import { describe, expect, it } from 'vitest';
import type { BuiltBundle } from '../../../bench/cold/build.ts';
import { functionBundle } from '../../support/function-bundles.ts';

const bundle = functionBundle;

/** Only an account event runs these. */
const CARD_INGEST = [
  'functions/app/card-ingest.ts',
  'functions/app/cards.ts',
  'functions/app/account-log.ts',
  'functions/domain/card/decide.ts',
  'functions/app/trading-index.ts',
  // Not the payment listing's changes (app/payment-index.ts): a card write's are cardIndexChangesOf.
  // The trading index's item writers and items (composition/index-writes.ts): they were in the cold
  // start while composition/adapters.ts, which every composition imports, named them.
  'functions/adapters/dynamodb/index-item-writers.ts',
  'functions/adapters/dynamodb/table-layout/offer-item.ts',
  'functions/adapters/dynamodb/table-layout/expiry-item.ts',
  'functions/adapters/dynamodb/table-layout/payment-item.ts',
];

/** The wallet fold: what a lane-0 write decides on, never a credit. */
const FOLD = [
  'functions/domain/wallet/evolve.ts',
  'functions/domain/wallet/trading.ts',
  'functions/domain/wallet/payments.ts',
  'functions/domain/card/evolve.ts',
];

const eager = (bundle: BuiltBundle, files: readonly string[]) =>
  files.filter((file) => (bundle.eagerInputs[file] ?? 0) > 0);
const missing = (bundle: BuiltBundle, files: readonly string[]) =>
  files.filter((file) => !bundle.inputs.includes(file));

describe.each(['ingest-queue', 'ingest-kafka'])('%s', (name) => {
  it('loads card accounts’ ingest with the first account event, not at its cold start', async () => {
    const built = await bundle(name);
    expect(eager(built, CARD_INGEST)).toEqual([]);
    expect(missing(built, CARD_INGEST), 'in a lazy chunk').toEqual([]);
  }, 120_000);
});

describe('the wallet fold', () => {
  it.each(['deposit', 'ingest-queue', 'ingest-kafka'])(
    '%s, whose writes are credits, loads none of it at its cold start',
    async (name) => {
      expect(eager(await bundle(name), FOLD)).toEqual([]);
    },
    120_000,
  );

  it('deposit does not bundle it at all', async () => {
    expect((await bundle('deposit')).inputs.filter((file) => FOLD.includes(file))).toEqual([]);
  }, 120_000);

  it.each(['holds', 'corrections', 'payments'])(
    '%s, whose writes decide on folded state, still loads it at its cold start',
    async (name) => {
      expect(eager(await bundle(name), FOLD)).toEqual(FOLD);
    },
    120_000,
  );
});

describe('batch writes (appendGroups, findIdempotencies)', () => {
  const BATCH = 'functions/adapters/dynamodb/append-groups.ts';

  it('ingest-queue loads them at its cold start: a standard queue’s batch is ingested together', async () => {
    expect((await bundle('ingest-queue')).eagerInputs[BATCH] ?? 0).toBeGreaterThan(0);
  }, 120_000);

  it('ingest-kafka, which ingests record by record, does not bundle them', async () => {
    expect((await bundle('ingest-kafka')).inputs).not.toContain(BATCH);
  }, 120_000);
});

describe('ingest-kafka and the protobuf format', () => {
  it('reads a protobuf record’s timestamps and binary data only in the protobuf chunk', async () => {
    const built = await bundle('ingest-kafka');
    const values = 'functions/adapters/kafka/msk-protobuf-values.ts';
    expect(built.eagerInputs[values] ?? 0).toBe(0);
    expect(built.inputs).toContain(values);
  }, 120_000);
});
