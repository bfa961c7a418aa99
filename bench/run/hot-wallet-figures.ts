/**
 * The hot-wallet part of `npm run bench` (bench/run.ts): one producer, 16 separate producers on
 * one wallet, the same 16 on 16 wallets (no contention: the store's own ceiling for 16 writers),
 * the 16 as requests to one process without and with group commit, and DynamoDB Local's raw
 * one-item PutItem rate with 1 and 16 callers — all in the same run, shapes alternated per round.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#adapters/local/dynamodb-local.ts';
import { ensureTable } from '#local/table.ts';
import { combine, type HotRun, hotWallet } from './hot-wallet.ts';
import { rawPutRates } from './raw-put.ts';
import { HOT_PER_PRODUCER, HOT_PRODUCERS, HOT_ROUNDS, HOT_SINGLE } from './settings.ts';

const TABLE = 'bench-hot';
/**
 * Rounds of every shape, alternated: at least 3 even in --quick. One round of a shape lasts about
 * a second; on a shared 2-core machine one burst of another program's work decided a one-round
 * ratio (group commit measured 0.76× one producer with transactions 165 ms in flight, 3.03× in
 * the run before).
 */
const ROUNDS = Math.max(HOT_ROUNDS, 3);
/** Deposits each producer makes before the clock starts in the warm shapes (as AWS_WARM_UP). */
const WARM_UP = 4;

export async function hotWalletFigures(endpoint: string) {
  await ensureTable(
    new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    TABLE,
  );
  await hotWallet(endpoint, TABLE, 'warm', 4, 25);
  await hotWallet(endpoint, TABLE, 'warm-spread', 4, 25, { spread: true });
  // Alternate the shapes so a slow patch of the machine does not land on one of them only.
  const shapes = {
    single: [] as HotRun[],
    many: [] as HotRun[],
    spread: [] as HotRun[],
    manyWarm: [] as HotRun[],
    spreadWarm: [] as HotRun[],
  };
  for (let round = 0; round < ROUNDS; round++) {
    shapes.single.push(await hotWallet(endpoint, TABLE, `hot-single-${round}`, 1, HOT_SINGLE));
    shapes.many.push(await hotWallet(endpoint, TABLE, `hot-many-${round}`, HOT_PRODUCERS, HOT_PER_PRODUCER));
    shapes.spread.push(
      await hotWallet(endpoint, TABLE, `hot-spread-${round}`, HOT_PRODUCERS, HOT_PER_PRODUCER, {
        spread: true,
      }),
    );
    // The same after WARM_UP deposits each (not counted): the producers have found their lanes, as
    // warm Lambdas have; what is left between hot and spread is the lanes' steady-state cost.
    shapes.manyWarm.push(
      await hotWallet(endpoint, TABLE, `hot-many-warm-${round}`, HOT_PRODUCERS, HOT_PER_PRODUCER, {
        warmUpPerProducer: WARM_UP,
      }),
    );
    shapes.spreadWarm.push(
      await hotWallet(endpoint, TABLE, `hot-spread-warm-${round}`, HOT_PRODUCERS, HOT_PER_PRODUCER, {
        spread: true,
        warmUpPerProducer: WARM_UP,
      }),
    );
  }
  const manyWarm = combine(shapes.manyWarm);
  const spreadWarm = combine(shapes.spreadWarm);
  const single = combine(shapes.single);
  const many = combine(shapes.many);
  const spread = combine(shapes.spread);
  // The same 16 producers as requests to one process (the local runtime, a long-lived host),
  // without and with group commit, alternated like the rounds above.
  const oneProcessOff: HotRun[] = [];
  const oneProcessOn: HotRun[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const shape = (groupCommit: boolean, label: string) =>
      hotWallet(endpoint, TABLE, `hot-process-${label}-${round}`, HOT_PRODUCERS, HOT_PER_PRODUCER, {
        oneProcess: { groupCommit },
      });
    oneProcessOff.push(await shape(false, 'off'));
    oneProcessOn.push(await shape(true, 'on'));
  }
  const processOff = combine(oneProcessOff);
  const processOn = combine(oneProcessOn);
  // The store's own answer to "do more concurrent writers help at all here?".
  const rawPut = await rawPutRates(endpoint, {
    callers: HOT_PRODUCERS,
    total: HOT_PRODUCERS * HOT_PER_PRODUCER,
    rounds: ROUNDS,
  });
  return {
    single,
    many,
    spread,
    manyWarm,
    spreadWarm,
    processOff,
    processOn,
    rawPut,
    figures: {
      hotWalletSingleDepositsPerSecond: single.depositsPerSecond,
      hotWalletDepositsPerSecond: many.depositsPerSecond,
      hotWalletRatio: many.depositsPerSecond / single.depositsPerSecond,
      hotWalletFailures: many.failures + single.failures,
      hotWalletConflictsPerDeposit: many.conflictsPerDeposit,
      hotWalletOneProcessDepositsPerSecond: processOn.depositsPerSecond,
      hotWalletOneProcessDepositsPerSecondBefore: processOff.depositsPerSecond,
      hotWalletOneProcessRatio: processOn.depositsPerSecond / single.depositsPerSecond,
      hotWalletOneProcessRatioBefore: processOff.depositsPerSecond / single.depositsPerSecond,
      hotWalletOneProcessFailures: processOn.failures + processOff.failures,
      /** Group commit's transactions: deposits each carries (one item per keyless deposit) and time in flight. */
      hotWalletOneProcessItemsPerTransaction: processOn.transactionItems / processOn.transactions,
      hotWalletOneProcessTransactionMs: processOn.transactionMs / processOn.transactions,
      /** 16 producers on 16 wallets: no contention, the same clients and deposits. */
      hotWalletSpreadDepositsPerSecond: spread.depositsPerSecond,
      hotWalletSpreadRatio: spread.depositsPerSecond / single.depositsPerSecond,
      hotWalletSpreadFailures: spread.failures,
      /** Hot ÷ spread: lanes scale one wallet as far as independent wallets scale (1 = fully). */
      hotWalletVsSpreadRatio: many.depositsPerSecond / spread.depositsPerSecond,
      /** Both after 4 deposits each (lanes found): 16 on one wallet, 16 on 16, and hot ÷ spread. */
      hotWalletWarmDepositsPerSecond: manyWarm.depositsPerSecond,
      hotWalletWarmRatio: manyWarm.depositsPerSecond / single.depositsPerSecond,
      hotWalletWarmConflictsPerDeposit: manyWarm.conflictsPerDeposit,
      hotWalletSpreadWarmDepositsPerSecond: spreadWarm.depositsPerSecond,
      hotWalletWarmVsSpreadRatio: manyWarm.depositsPerSecond / spreadWarm.depositsPerSecond,
      hotWalletWarmFailures: manyWarm.failures + spreadWarm.failures,
      hotWalletOneProcessVsSpreadRatio: processOn.depositsPerSecond / spread.depositsPerSecond,
      /** DynamoDB Local's raw one-item conditional PutItem rate, 1 and 16 callers, same run. */
      rawPutPerSecond: rawPut.one,
      rawPutPerSecond16Callers: rawPut.many,
      rawPutConcurrencyRatio: rawPut.ratio,
    },
  };
}
