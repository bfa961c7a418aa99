/**
 * `npm run bench:replay [-- --events N] [-- --quick] [-- --json <file>]` — how fast a replay reads
 * and folds the log, against the raw read rate of the same items, and what a snapshot saves.
 *
 * It starts its own DynamoDB Local (throughput tuning), seeds N events (default 1,000,000;
 * `--quick`: 100,000) straight into the table with BatchWriteItem, in the event store's own item
 * format (table-layout/event-item.ts's toEventItem, event-hash's chain, so `verify` passes), and measures:
 * 1. raw Query: every lane of every wallet, paged and strongly consistent as the store reads,
 *    items counted, never decoded;
 * 2. replay: `replayWallets` over every wallet in pages of 16, as a job's pages run (reads, decodes,
 *    folds, reads the stored views and writes the changed ones together);
 * 3. snapshots: for the long wallets, a rebuild from zero against one from a snapshot taken
 *    SNAPSHOT_BEHIND events before the head; both views must be equal.
 *
 * The pieces: replay/seed.ts (the data), replay/measure.ts (the two paths), replay/rebuild.ts
 * (profile and snapshots), replay/report.ts (the figures).
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, QUIET_LOGGER } from '#adapters/dynamodb/client.ts';
import { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import { DynamoReadModelStore } from '#adapters/dynamodb/read-models.ts';
import { DynamoSnapshotStore } from '#adapters/dynamodb/snapshots.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { forEachLimited } from '#app/jobs.ts';
import { ensureTable } from '#local/table.ts';
import {
  type Bench,
  deleteViews,
  rawQueryPass,
  rawRead,
  replayInPages,
  replayPass,
} from './replay/measure.ts';
import { profileSteps, snapshotRebuilds } from './replay/rebuild.ts';
import { compare, report } from './replay/report.ts';
import { EVENTS_PER_WALLET, LONG_WALLET_LANES, seconds, seedWallets, walletSpecs } from './replay/seed.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    heap: { type: 'string', default: '4g' },
  },
  allowPositionals: false,
});
const QUICK = args.quick === true;
const TOTAL_EVENTS = Number(args.events ?? (QUICK ? 100_000 : 1_000_000));
const CONCURRENCY = Number(args.concurrency);
const LONG_EVENTS = Math.min(
  QUICK ? 10_000 : 50_000,
  Math.floor(TOTAL_EVENTS / 2 / LONG_WALLET_LANES.length),
);
if (!Number.isSafeInteger(TOTAL_EVENTS) || TOTAL_EVENTS < 10_000) throw new Error('--events: at least 10000');
if (!Number.isSafeInteger(CONCURRENCY) || CONCURRENCY < 1) throw new Error('--concurrency: at least 1');

const TABLE = 'bench-replay';
const log = (line: string) => process.stderr.write(`${line}\n`);

const wallStartMs = performance.now();
const ddb = await startDynamoDbLocal({
  inMemory: true,
  log,
  tuning: 'throughput',
  // dynamodb-local.ts passes no heap size; the JVM reads JAVA_TOOL_OPTIONS.
  env: {
    ...process.env,
    JAVA_TOOL_OPTIONS: `${process.env.JAVA_TOOL_OPTIONS ?? ''} -Xmx${args.heap}`.trim(),
  },
});
/** The raw reader is quiet like the store's clients (see QUIET_LOGGER in client.ts). */
const lowLevelClient = (logger?: DynamoDBClientConfig['logger']) =>
  new DynamoDBClient({
    endpoint: ddb.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 4,
    ...(logger === undefined ? {} : { logger }),
  });
/** The raw reader: the low-level client, nothing decoded, not even for a no-op log line. */
const raw = lowLevelClient(QUIET_LOGGER);
/** The stores as the functions build them (createDocumentClient). */
const documents = createDocumentClient({ endpoint: ddb.endpoint, region: LOCAL_REGION });
const events = new DynamoEventStore(documents, TABLE);
const views = new DynamoReadModelStore(documents, TABLE);
const snapshots = new DynamoSnapshotStore(documents, TABLE);

try {
  await ensureTable(raw, TABLE);

  const specs = walletSpecs(TOTAL_EVENTS, LONG_EVENTS);
  const totalEvents = specs.reduce((sum, spec) => sum + spec.events, 0);
  const multiLane = specs.filter((spec) => spec.lanes > 1).length;
  log(
    `seeding ${totalEvents} events in ${specs.length} wallets (${multiLane} with 2–4 lanes; ` +
      `${LONG_WALLET_LANES.length} long wallets of ${LONG_EVENTS}) with ${CONCURRENCY} writers …`,
  );
  const seed = await seedWallets(specs, { documents, table: TABLE, jvmPid: ddb.pid }, CONCURRENCY, log);

  // The items are the store's: its own verify walks the hash chains of every long wallet and a sample.
  const sample = [...specs.slice(0, LONG_WALLET_LANES.length), ...specs.filter((_, i) => i % 97 === 5)];
  for (const spec of sample) {
    const verified = await events.verify(spec.walletId);
    if (!verified.ok || verified.events !== spec.events) {
      throw new Error(`verify ${spec.walletId}: ${JSON.stringify(verified)} (seeded ${spec.events})`);
    }
  }
  log(`verify: ${sample.length} wallets, every hash chain intact`);

  // Every wallet is replayed, the long multi-lane ones included (rebuildView folds lanes in
  // event-time order, linear in the wallet's size).
  const measuredIds = specs.map((spec) => spec.walletId);
  const measuredEvents = specs.reduce((sum, spec) => sum + spec.events, 0);
  const bench: Bench = {
    table: TABLE,
    jvmPid: ddb.pid,
    raw,
    documents,
    concurrency: CONCURRENCY,
    measuredIds,
    measuredEvents,
    log,
  };

  // Warm every path up (the JIT in the JVM and in node) on a fifth of the wallets; their views are
  // removed again, so the measured replay writes every view.
  const warmIds = measuredIds.filter((_, i) => i % 5 === 4);
  await forEachLimited(warmIds, CONCURRENCY, (walletId) =>
    rawRead(raw, TABLE, walletId).then(() => undefined),
  );
  await replayInPages(warmIds, { events, views }, CONCURRENCY);
  await deleteViews(bench, warmIds);

  // 1. raw Query, before and after the replay (the mean is the rate: the machine is shared);
  // 2. replay, and again (the views are removed first, so it rebuilds and writes them all again).
  const queryBefore = await rawQueryPass(bench);
  const replay = await replayPass(bench, 'replay', { events, views });
  const queryAfter = await rawQueryPass(bench);
  await deleteViews(bench, measuredIds);
  const replayAgain = await replayPass(bench, 'replay (second pass)', { events, views });
  const comparison = compare({ queryBefore, queryAfter, replay, replayAgain }, measuredEvents, log);

  const profileIds = specs
    .filter((spec) => spec.events === EVENTS_PER_WALLET)
    .slice(0, 200)
    .map((spec) => spec.walletId);
  const profileRows = await profileSteps(bench, { events, views }, profileIds);

  // 3. snapshots, SNAPSHOT_BEHIND events before each long wallet's head.
  const longRows = await snapshotRebuilds({ events, views, snapshots }, seed.snapshotsToTake);

  await report(
    {
      totalEvents,
      wallets: specs.length,
      multiLane,
      concurrency: CONCURRENCY,
      seedSeconds: seed.seedSeconds,
      seedEventsPerSecond: seed.seedEventsPerSecond,
      measuredEvents,
      comparison,
      profileRows,
      longRows,
      wallSeconds: seconds(wallStartMs),
    },
    args.json,
    log,
  );
} finally {
  documents.destroy();
  raw.destroy();
  await ddb.stop();
}
