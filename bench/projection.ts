/**
 * `npm run bench:projection [-- --deposits N] [-- --quick] [-- --json <file>]` — what the projector
 * pays to keep a busy wallet's AboveThreshold flag exact.
 *
 * A busy wallet (a merchant, a pool) takes more deposits within one 2-minute window than the view's
 * window cache keeps (16). Each such deposit used to be decided from the wallet's history: the
 * projector read the whole log once per batch, so a batch cost grew with the wallet's age. The
 * view now also keeps per-bucket sums of the deposits the cache let go (threshold.ts, `evicted`)
 * and decides a deposit from that bound when no window with it can reach the threshold.
 *
 * It starts its own DynamoDB Local and builds one busy wallet (default 10,000 deposits of 1.00–5.00
 * at 10 per second of event time, up to 2 s out of order, over 4 lanes; `--quick`: 4,000) in the
 * event store's item format. It appends them 100 at a time (BatchWriteItem) and after each append
 * folds those 100 as the projector does (`foldTail` against the real store, history read when a
 * deposit needs it), so the log grows as in life; only the folds are timed. Twice, each in a table
 * of its own:
 * - legacy: from a view without buckets (`evicted: null`, what a view stored before them reads
 *   as), which decides exactly as the previous build did;
 * - buckets: from an empty view, as every view built by this build.
 * Both must end with the same balance and flag, and the second must equal a rebuild from the log.
 */
import { writeFile } from 'node:fs/promises';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { eventHash } from '#adapters/dynamodb/event-hash.ts';
import { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import { toEventItem } from '#adapters/dynamodb/table-layout/event-item.ts';
import { startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { RETAINED_DEPOSITS_MAX } from '#app/config.ts';
import { foldTail } from '#app/fold.ts';
import { readWallet } from '#app/read-events.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { aboveThreshold, emptyView, rebuildView, type WalletView } from '#domain/wallet-view.ts';
import { ensureTable } from '#local/table.ts';
import { prng } from './prng.ts';
import { batchWrite, cpuSeconds, cpuSince, localClients, printTable } from './support.ts';

const { values: args } = parseArgs({
  options: {
    deposits: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
  allowPositionals: false,
});
const DEPOSITS = Number(args.deposits ?? (args.quick === true ? 4_000 : 10_000));
if (!Number.isSafeInteger(DEPOSITS) || DEPOSITS < 1_000) throw new Error('--deposits: at least 1000');
const BATCH = 100; // events per projector batch (the stream's batch size in the CDK wiring)
const LANES = 4;
const TABLE = 'bench-projection'; // a table per run, so each log grows from empty
const WALLET = 'busy-1';
const T0 = Date.UTC(2026, 0, 1);
/** The shipped rule set's flag: more than 10,000.00 within 2 minutes. */
const CONFIG: ThresholdConfig = {
  thresholdMinor: 1_000_000n,
  windowMs: 120_000,
  retainMax: RETAINED_DEPOSITS_MAX,
};

const log = (line: string) => process.stderr.write(`${line}\n`);

/** The busy wallet's deposits in append order, each lane dense and hash-chained, and their items. */
function busyWallet(): { events: RecordedEvent[]; items: Record<string, unknown>[] } {
  const random = prng(42);
  const versions = new Array<number>(LANES).fill(0);
  const hashes = new Array<string>(LANES).fill('');
  const events: RecordedEvent[] = [];
  const items: Record<string, unknown>[] = [];
  for (let n = 0; n < DEPOSITS; n++) {
    const lane = Math.floor(random() * LANES);
    versions[lane] = (versions[lane] ?? 0) + 1;
    const recordedAtMs = T0 + n * 100;
    const event: RecordedEvent = {
      type: 'Deposited',
      data: {
        amountMinor: BigInt(100 + Math.floor(random() * 400)),
        occurredAtMs: recordedAtMs - Math.floor(random() * 2_000),
      },
      walletId: WALLET,
      lane,
      version: versions[lane] ?? 0,
      eventId: `${WALLET}-dep-${n}`,
      recordedAtMs,
    };
    const prevHash = hashes[lane] ?? '';
    const hash = eventHash(prevHash, event);
    hashes[lane] = hash;
    events.push(event);
    items.push(toEventItem(event, prevHash, hash));
  }
  return { events, items };
}

const ddb = await startDynamoDbLocal({ inMemory: true, log, tuning: 'throughput' });
const { raw, documents } = localClients(ddb.endpoint);

/**
 * Appends the events batch by batch into a table of its own and, after each append, folds that
 * batch as the projector would: the log grows as it does in life. Only the folds are timed.
 */
async function project(
  label: string,
  table: string,
  start: WalletView,
  events: readonly RecordedEvent[],
  items: readonly Record<string, unknown>[],
) {
  await ensureTable(raw, table);
  const store = new DynamoEventStore(documents, table);
  let view = start;
  let foldMs = 0;
  let node = 0;
  let jvm = 0;
  let historyRead = 0;
  let historyBatches = 0;
  for (let from = 0; from < events.length; from += BATCH) {
    await batchWrite(documents, table, items.slice(from, from + BATCH));
    const cpu = await cpuSeconds(ddb.pid);
    const startMs = performance.now();
    const folded = await foldTail(store, view, events.slice(from, from + BATCH), CONFIG);
    foldMs += performance.now() - startMs;
    const used = await cpuSince(ddb.pid, cpu);
    node += used.node;
    jvm += used.jvm;
    view = folded.view;
    historyRead += folded.historyRead;
    if (folded.historyRead > 0) historyBatches++;
  }
  const figures = {
    seconds: foldMs / 1000,
    msPerThousandDeposits: (foldMs * 1000) / events.length,
    historyEventsReadPerDeposit: historyRead / events.length,
    batchesReadingHistory: historyBatches,
    batches: Math.ceil(events.length / BATCH),
    cpuSeconds: { node, dynamodbLocal: jvm },
  };
  log(
    `${label}: ${events.length} deposits folded in ${figures.seconds.toFixed(1)} s; history read in ` +
      `${historyBatches} of ${figures.batches} batches, ${figures.historyEventsReadPerDeposit.toFixed(1)} events per deposit ` +
      `(CPU: node ${node.toFixed(1)} s, DynamoDB Local ${jvm.toFixed(1)} s)`,
  );
  return { view, figures, store };
}

try {
  const { events, items } = busyWallet();
  const empty = emptyView(WALLET, CONFIG);
  const legacyStart: WalletView = { ...empty, threshold: { ...empty.threshold, evicted: null } };
  // Warm the JIT on both paths (a tenth of the wallet), then measure.
  const warm = DEPOSITS / 10;
  await project('warm-up, legacy', `${TABLE}-warm-1`, legacyStart, events.slice(0, warm), items);
  await project('warm-up, buckets', `${TABLE}-warm-2`, empty, events.slice(0, warm), items);
  const legacy = await project('legacy (no buckets)', `${TABLE}-legacy`, legacyStart, events, items);
  const buckets = await project('buckets', `${TABLE}-buckets`, empty, events, items);

  const rebuilt = rebuildView(WALLET, await readWallet(buckets.store, WALLET), CONFIG);
  if (!isDeepStrictEqual(buckets.view, rebuilt))
    throw new Error('the projected view differs from the rebuild');
  if (
    legacy.view.balanceMinor !== buckets.view.balanceMinor ||
    !isDeepStrictEqual(legacy.view.threshold.breach, buckets.view.threshold.breach) ||
    !isDeepStrictEqual(legacy.view.threshold.retained, buckets.view.threshold.retained)
  ) {
    throw new Error('the legacy and the bucket projections disagree');
  }

  const speedup = legacy.figures.seconds / buckets.figures.seconds;
  const figures = {
    deposits: DEPOSITS,
    batch: BATCH,
    lanes: LANES,
    aboveThreshold: aboveThreshold(buckets.view),
    legacy: legacy.figures,
    buckets: buckets.figures,
    projectionSpeedup: Math.round(speedup * 10) / 10,
  };
  const rows: [string, string, string][] = [
    ['busy wallet', `${DEPOSITS} deposits, 10/s, ${LANES} lanes, batches of ${BATCH}`, ''],
    [
      'history events read per deposit',
      legacy.figures.historyEventsReadPerDeposit.toFixed(1),
      buckets.figures.historyEventsReadPerDeposit.toFixed(1),
    ],
    [
      'batches that read the history',
      `${legacy.figures.batchesReadingHistory} of ${legacy.figures.batches}`,
      `${buckets.figures.batchesReadingHistory} of ${buckets.figures.batches}`,
    ],
    [
      'projection time per 1,000 deposits',
      `${legacy.figures.msPerThousandDeposits.toFixed(0)} ms`,
      `${buckets.figures.msPerThousandDeposits.toFixed(0)} ms`,
    ],
    ['speed-up (legacy ÷ buckets)', '', `${speedup.toFixed(1)}×`],
  ];
  printTable(['figure', 'legacy (no buckets)', 'buckets'], rows);
  if (args.json) {
    await writeFile(args.json, `${JSON.stringify(figures, null, 2)}\n`);
    log(`figures written to ${args.json}`);
  }
} finally {
  documents.destroy();
  raw.destroy();
  await ddb.stop();
}
