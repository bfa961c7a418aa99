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
 */
import { writeFile } from 'node:fs/promises';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import {
  type AttributeValue,
  DynamoDBClient,
  type DynamoDBClientConfig,
  QueryCommand as RawQueryCommand,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, QUIET_LOGGER } from '#adapters/dynamodb/client.ts';
import { eventHash, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import { DynamoReadModelStore } from '#adapters/dynamodb/read-models.ts';
import { DynamoSnapshotStore } from '#adapters/dynamodb/snapshots.ts';
import { toEventItem } from '#adapters/dynamodb/table-layout/event-item.ts';
import { EVENT_SK_PREFIX, LANES_SK, VIEW_SK, walletPk } from '#adapters/dynamodb/table-layout/keys.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { ensureTable } from '#adapters/local/table.ts';
import { RETAINED_DEPOSITS_MAX } from '#app/config.ts';
import { forEachLimited } from '#app/jobs.ts';
import { replayWallets } from '#app/replay.ts';
import { rebuildFromSnapshot } from '#app/snapshots.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { emptyView, projectEvents, rebuildView, type WalletView } from '#domain/wallet-view.ts';
import type { SnapshotStore } from '#ports/snapshots.ts';
import { batchWrite, cpuSeconds, cpuSince, printTable, prng } from './support.ts';

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
const EVENTS_PER_WALLET = 500;
/** Long wallets, for the snapshot figures: lane counts 1, 2 and 4 (hot wallets write in lanes). */
const LONG_WALLET_LANES = [1, 2, 4] as const;
const LONG_EVENTS = Math.min(
  QUICK ? 10_000 : 50_000,
  Math.floor(TOTAL_EVENTS / 2 / LONG_WALLET_LANES.length),
);
const SNAPSHOT_BEHIND = 1_000;
/** A replay page (replayWallets) and how many run at once (see replayInPages). */
const REPLAY_PAGE = 16;
const REPLAY_PAGES_AT_ONCE = 2;
const BATCH_WRITE_MAX = 25;
const RATIO_TARGET = 0.8;
if (!Number.isSafeInteger(TOTAL_EVENTS) || TOTAL_EVENTS < 10_000) throw new Error('--events: at least 10000');
if (!Number.isSafeInteger(CONCURRENCY) || CONCURRENCY < 1) throw new Error('--concurrency: at least 1');

/** The shipped rule set's flag: more than 10,000.00 within 2 minutes. */
const CONFIG: ThresholdConfig = {
  thresholdMinor: 1_000_000n,
  windowMs: 120_000,
  retainMax: RETAINED_DEPOSITS_MAX,
};
const TABLE = 'bench-replay';
const T0 = Date.UTC(2026, 0, 1);
const RULE_TEXT_HASH = sha256Hex('event_type=="answer_is_liked", 250');

const log = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (fromMs: number) => (performance.now() - fromMs) / 1000;
const rate = (count: number, secs: number) => Math.round(count / secs);

interface WalletSpec {
  walletId: string;
  events: number;
  lanes: number;
  seed: number;
  /** Large deposits: the wallet crosses the AboveThreshold line early. */
  whale: boolean;
}

/**
 * One wallet's log in append order, as the store would have recorded it: each append one lane
 * (a deposit, or a fact with its awards), versions dense per lane, each lane hash-chained.
 * Event times advance 20–100 s per append with up to 15 s of disorder, interleaved over lanes as
 * concurrent writers would leave them.
 */
function walletLog(spec: WalletSpec): { appends: RecordedEvent[][]; items: Record<string, unknown>[] } {
  const random = prng(spec.seed);
  const versions = new Array<number>(spec.lanes).fill(0);
  const hashes = new Array<string>(spec.lanes).fill('');
  const appends: RecordedEvent[][] = [];
  const items: Record<string, unknown>[] = [];
  let clockMs = T0 + Math.floor(random() * 86_400_000);
  let written = 0;
  while (written < spec.events) {
    const lane = spec.lanes === 1 || random() < 0.5 ? 0 : 1 + Math.floor(random() * (spec.lanes - 1));
    clockMs += 20_000 + Math.floor(random() * 80_000);
    const occurredAtMs = clockMs - Math.floor(random() * 15_000);
    const recordedAtMs = clockMs + 5;
    const left = spec.events - written;
    const n = written;
    let batch: (Omit<RecordedEvent, 'walletId' | 'lane' | 'version'> & { idempotencyKey?: string })[];
    if (left >= 2 && random() < 0.4) {
      const factId = `${spec.walletId}-fact-${n}`;
      const awards = left >= 3 && random() < 0.2 ? 2 : 1;
      batch = [
        {
          type: 'FactRecorded',
          data: {
            factId,
            source: 'qa-app',
            factType: 'answer_is_liked',
            occurredAtMs,
            dataJson: `{"answerId":"a${n}","likes":${1 + Math.floor(random() * 50)}}`,
          },
          eventId: `${factId}-e0`,
          recordedAtMs,
          idempotencyKey: factId,
        },
        ...Array.from({ length: awards }, (_, award) => ({
          type: 'PointsAwarded' as const,
          data: {
            points: 250n * BigInt(award + 1),
            factId,
            ruleId: award === 0 ? 'answer_is_liked' : 'streak',
            ruleSetVersion: 0,
            ruleTextHash: RULE_TEXT_HASH,
          },
          eventId: `${factId}-e${award + 1}`,
          recordedAtMs,
          idempotencyKey: factId,
        })),
      ];
    } else {
      const amountMinor = BigInt(1 + Math.floor(random() * (spec.whale ? 600_000 : 20_000)));
      batch = [
        {
          type: 'Deposited',
          data: { amountMinor, occurredAtMs },
          eventId: `${spec.walletId}-dep-${n}`,
          recordedAtMs,
          // Half of the deposits came with an Idempotency-Key.
          ...(random() < 0.5 ? { idempotencyKey: `key-${spec.walletId}-${n}` } : {}),
        },
      ];
    }
    const recorded = batch.map((event): RecordedEvent => {
      versions[lane] = (versions[lane] ?? 0) + 1;
      const stored = {
        ...event,
        walletId: spec.walletId,
        lane,
        version: versions[lane] ?? 0,
      } as RecordedEvent;
      const prevHash = hashes[lane] ?? '';
      const hash = eventHash(prevHash, stored);
      hashes[lane] = hash;
      items.push(toEventItem(stored, prevHash, hash));
      return stored;
    });
    appends.push(recorded);
    written += recorded.length;
  }
  if (spec.lanes > 1) {
    const used = versions.flatMap((count, lane) => (lane > 0 && count > 0 ? [lane] : []));
    if (used.length > 0) items.push({ pk: walletPk(spec.walletId), sk: LANES_SK, lanes: new Set(used) });
  }
  return { appends, items };
}

/**
 * The raw read: the wallet's whole log as the store reads it for a replay (readWallet: one paged,
 * strongly consistent Query over every lane, pages of 500), items counted, never decoded.
 */
async function rawRead(client: DynamoDBClient, walletId: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new RawQueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': { S: walletPk(walletId) }, ':prefix': { S: EVENT_SK_PREFIX } },
        ConsistentRead: true,
        Limit: 500, // the event store's page size
        ExclusiveStartKey: startKey,
      }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return count;
}

/** A snapshot store with nothing in it: rebuildFromSnapshot then rebuilds from zero, as a replay does. */
const noSnapshots: SnapshotStore = { latest: async () => undefined, put: async () => undefined };

/** The view after the first `count` events in append order, folded as a projector would have. */
function viewAfter(walletId: string, appends: RecordedEvent[][], count: number): WalletView {
  const all = appends.flat();
  let view = emptyView(walletId, CONFIG);
  for (const events of appends) {
    if (view.eventCount + events.length > count) break;
    let result = projectEvents(view, events, CONFIG);
    if (result.kind === 'needs-history') result = projectEvents(view, events, CONFIG, all);
    if (result.kind !== 'projected') throw new Error('unreachable: projection with history');
    view = result.view;
  }
  return view;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const startMs = performance.now();
  const value = await work();
  return { ms: performance.now() - startMs, value };
}

/**
 * Replays the wallets as a job's pages do (replayWallets: views read and written together), in
 * pages of REPLAY_PAGE wallets, REPLAY_PAGES_AT_ONCE pages at a time with REPLAY_IN_PAGE wallets
 * read at once in each: at most CONCURRENCY reads in flight, as the raw read.
 */
async function replayInPages(
  walletIds: readonly string[],
  stores: { events: DynamoEventStore; views: DynamoReadModelStore },
  slowest?: { walletId: string; ms: number }[],
) {
  const pages: string[][] = [];
  for (let start = 0; start < walletIds.length; start += REPLAY_PAGE) {
    pages.push(walletIds.slice(start, start + REPLAY_PAGE));
  }
  const results: Awaited<ReturnType<typeof replayWallets>>[number][] = [];
  await forEachLimited(pages, REPLAY_PAGES_AT_ONCE, async (page) => {
    const startMs = performance.now();
    results.push(
      ...(await replayWallets(stores.events, stores.views, page, CONFIG, {
        dryRun: false,
        inFlight: Math.max(1, Math.floor(CONCURRENCY / REPLAY_PAGES_AT_ONCE)),
      })),
    );
    slowest?.push({ walletId: `${page[0]}…(${page.length})`, ms: performance.now() - startMs });
  });
  return results;
}

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

  // ---- the wallets: the long ones first (they take longest to write), then 500 events each ----
  const specs: WalletSpec[] = LONG_WALLET_LANES.map((lanes, i) => ({
    walletId: `long-${lanes}-lanes`,
    events: LONG_EVENTS,
    lanes,
    seed: 1_000_000 + i,
    whale: false,
  }));
  const regularEvents = TOTAL_EVENTS - LONG_EVENTS * LONG_WALLET_LANES.length;
  const regularWallets = Math.ceil(regularEvents / EVENTS_PER_WALLET);
  for (let i = 0; i < regularWallets; i++) {
    const random = prng(i);
    const pick = random();
    specs.push({
      walletId: `w-${String(i).padStart(6, '0')}`,
      events: Math.min(EVENTS_PER_WALLET, regularEvents - i * EVENTS_PER_WALLET),
      // 70% one lane, 20% two, 10% four: hot wallets write in lanes.
      lanes: pick < 0.7 ? 1 : pick < 0.9 ? 2 : 4,
      seed: i,
      whale: random() < 0.1,
    });
  }
  const totalEvents = specs.reduce((sum, spec) => sum + spec.events, 0);
  const multiLane = specs.filter((spec) => spec.lanes > 1).length;
  log(
    `seeding ${totalEvents} events in ${specs.length} wallets (${multiLane} with 2–4 lanes; ` +
      `${LONG_WALLET_LANES.length} long wallets of ${LONG_EVENTS}) with ${CONCURRENCY} writers …`,
  );

  // ---- seed ----
  const snapshotsToTake: WalletView[] = [];
  const seedCpu = await cpuSeconds(ddb.pid);
  const seedStartMs = performance.now();
  let seeded = 0;
  let lastReportMs = seedStartMs;
  await forEachLimited(specs, CONCURRENCY, async (spec) => {
    const { appends, items } = walletLog(spec);
    if (spec.walletId.startsWith('long-')) {
      snapshotsToTake.push(viewAfter(spec.walletId, appends, spec.events - SNAPSHOT_BEHIND));
    }
    // A long wallet's batches go out CONCURRENCY at a time too, so it does not finish last alone.
    const chunk = BATCH_WRITE_MAX * 40;
    const chunks = Array.from({ length: Math.ceil(items.length / chunk) }, (_, i) =>
      items.slice(i * chunk, (i + 1) * chunk),
    );
    await forEachLimited(chunks, spec.events > EVENTS_PER_WALLET ? CONCURRENCY : 1, (part) =>
      batchWrite(documents, TABLE, part),
    );
    seeded += spec.events;
    if (performance.now() - lastReportMs > 15_000) {
      lastReportMs = performance.now();
      log(`  … ${seeded} events, ${rate(seeded, seconds(seedStartMs))} events/s`);
    }
  });
  const seedSeconds = seconds(seedStartMs);
  const seedEventsPerSecond = rate(totalEvents, seedSeconds);
  const seedCpuUsed = await cpuSince(ddb.pid, seedCpu);
  log(
    `seeded ${totalEvents} events in ${seedSeconds.toFixed(1)} s: ${seedEventsPerSecond} events/s ` +
      `(CPU: node ${seedCpuUsed.node.toFixed(0)} s, DynamoDB Local ${seedCpuUsed.jvm.toFixed(0)} s)`,
  );

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
  const measured = specs;
  const measuredIds = measured.map((spec) => spec.walletId);
  const measuredEvents = measured.reduce((sum, spec) => sum + spec.events, 0);

  const deleteViews = async (walletIds: readonly string[]) => {
    for (let start = 0; start < walletIds.length; start += BATCH_WRITE_MAX) {
      await documents.send(
        new BatchWriteCommand({
          RequestItems: {
            [TABLE]: walletIds.slice(start, start + BATCH_WRITE_MAX).map((walletId) => ({
              DeleteRequest: { Key: { pk: walletPk(walletId), sk: VIEW_SK } },
            })),
          },
        }),
      );
    }
  };
  // Warm every path up (the JIT in the JVM and in node) on a fifth of the wallets; their views are
  // removed again, so the measured replay writes every view.
  const warmIds = measuredIds.filter((_, i) => i % 5 === 4);
  await forEachLimited(warmIds, CONCURRENCY, (walletId) => rawRead(raw, walletId).then(() => undefined));
  await replayInPages(warmIds, { events, views });
  await deleteViews(warmIds);

  // ---- 1. raw Query, before and after the replay (the mean is the rate: the machine is shared) ----
  const rawQueryPass = async () => {
    const cpu = await cpuSeconds(ddb.pid);
    const startMs = performance.now();
    let queried = 0;
    await forEachLimited(measuredIds, CONCURRENCY, async (walletId) => {
      const count = await rawRead(raw, walletId);
      queried += count;
    });
    const secs = seconds(startMs);
    if (queried !== measuredEvents)
      throw new Error(`raw Query counted ${queried} events, seeded ${measuredEvents}`);
    const used = await cpuSince(ddb.pid, cpu);
    log(
      `raw Query: ${queried} events in ${secs.toFixed(1)} s: ${rate(queried, secs)} events/s ` +
        `(CPU: node ${used.node.toFixed(1)} s, DynamoDB Local ${used.jvm.toFixed(1)} s)`,
    );
    return { seconds: secs, eventsPerSecond: queried / secs, cpu: used };
  };
  const queryBefore = await rawQueryPass();

  // ---- 2. replay ----
  const replayPass = async (
    label: string,
    stores: { events: DynamoEventStore; views: DynamoReadModelStore },
  ) => {
    const cpu = await cpuSeconds(ddb.pid);
    const startMs = performance.now();
    let replayed = 0;
    let written = 0;
    const slowest: { walletId: string; ms: number }[] = [];
    for (const result of await replayInPages(measuredIds, stores, slowest)) {
      if (result === undefined) throw new Error('replay: a wallet without events');
      replayed += result.events;
      if (result.written) written++;
    }
    const secs = seconds(startMs);
    if (replayed !== measuredEvents)
      throw new Error(`replay folded ${replayed} events, seeded ${measuredEvents}`);
    if (written !== measuredIds.length)
      throw new Error(`replay wrote ${written} views of ${measuredIds.length}`);
    const used = await cpuSince(ddb.pid, cpu);
    slowest.sort((a, b) => b.ms - a.ms);
    log(
      `${label}: ${replayed} events in ${secs.toFixed(1)} s: ${rate(replayed, secs)} events/s ` +
        `(CPU: node ${used.node.toFixed(1)} s, DynamoDB Local ${used.jvm.toFixed(1)} s); ` +
        `slowest pages: ${slowest
          .slice(0, 3)
          .map((entry) => `${entry.walletId} ${(entry.ms / 1000).toFixed(2)} s`)
          .join(', ')}`,
    );
    return { seconds: secs, eventsPerSecond: replayed / secs, cpu: used };
  };
  const replay = await replayPass('replay', { events, views });
  const replaySeconds = replay.seconds;

  const queryAfter = await rawQueryPass();

  // ---- 2b. replay again (the views are removed first, so it rebuilds and writes them all again),
  // so both rates are means of two passes, taken in turns on this shared machine ----
  await deleteViews(measuredIds);
  const replayAgain = await replayPass('replay (second pass)', { events, views });

  const queryEventsPerSecond = Math.round((queryBefore.eventsPerSecond + queryAfter.eventsPerSecond) / 2);
  const querySeconds = (queryBefore.seconds + queryAfter.seconds) / 2;
  const replayEventsPerSecond = Math.round((replay.eventsPerSecond + replayAgain.eventsPerSecond) / 2);
  const replayVsQueryRatio = replayEventsPerSecond / queryEventsPerSecond;
  // The machine is shared: the CPU each path took per event (node + DynamoDB Local) is steadier
  // than its wall time.
  const cpuUsPerEvent = (cpu: { node: number; jvm: number }) => (1e6 * (cpu.node + cpu.jvm)) / measuredEvents;
  const queryCpuUs = (cpuUsPerEvent(queryBefore.cpu) + cpuUsPerEvent(queryAfter.cpu)) / 2;
  const replayCpuUs = (cpuUsPerEvent(replay.cpu) + cpuUsPerEvent(replayAgain.cpu)) / 2;
  log(
    `replay ÷ raw Query: ${replayVsQueryRatio.toFixed(2)} by wall time, ${(queryCpuUs / replayCpuUs).toFixed(2)} by CPU ` +
      `(${queryCpuUs.toFixed(0)} vs ${replayCpuUs.toFixed(0)} µs per event)`,
  );

  // ---- where a replay's time goes: its steps one after another, for a sample of wallets, each
  // with its wall time and the CPU it took in node and in DynamoDB Local ----
  const profileIds = specs
    .filter((spec) => spec.events === EVENTS_PER_WALLET)
    .slice(0, 200)
    .map((spec) => spec.walletId);
  const steps = new Map<string, { wallMs: number; nodeMs: number; jvmMs: number }>();
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const cpu = await cpuSeconds(ddb.pid);
    const { ms, value } = await timed(work);
    const used = await cpuSince(ddb.pid, cpu);
    const row = steps.get(name) ?? { wallMs: 0, nodeMs: 0, jvmMs: 0 };
    row.wallMs += ms;
    row.nodeMs += used.node * 1000;
    row.jvmMs += used.jvm * 1000;
    steps.set(name, row);
    return value;
  };
  let profiled = 0;
  for (const [index, walletId] of profileIds.entries()) {
    // Raw first for half the wallets, last for the others: the order costs something itself.
    if (index % 2 === 0) await step('raw Query (the rate above)', () => rawRead(raw, walletId));
    const parsed = await step('store read: Query, wire-form parse', () => events.readWallet(walletId));
    if (index % 2 === 1) await step('raw Query (the rate above)', () => rawRead(raw, walletId));
    const folded = await step('rebuildView', async () => rebuildView(walletId, parsed, CONFIG));
    await step('view write (conditional put, alone)', () => views.putViews([folded]));
    profiled += parsed.length;
  }
  const perEvent = (ms: number) => (1000 * ms) / Math.max(1, profiled);
  const profileRows = [...steps].map(([name, row]) => ({
    step: name,
    wallUs: Math.round(perEvent(row.wallMs) * 10) / 10,
    nodeCpuUs: Math.round(perEvent(row.nodeMs) * 10) / 10,
    dynamodbLocalCpuUs: Math.round(perEvent(row.jvmMs) * 10) / 10,
  }));
  log(
    `profile: ${profileIds.length} wallets of ${EVENTS_PER_WALLET} events, one step at a time, µs per event:`,
  );
  for (const row of profileRows) {
    log(
      `  ${row.step.padEnd(42)} wall ${String(row.wallUs).padStart(6)}  node CPU ${String(row.nodeCpuUs).padStart(6)}  ` +
        `DynamoDB Local CPU ${String(row.dynamodbLocalCpuUs).padStart(6)}`,
    );
  }

  // ---- 3. snapshots ----
  const longRows: {
    walletId: string;
    lanes: number;
    events: number;
    snapshotAt: number;
    fullRebuildMs: number;
    snapshotRebuildMs: number;
    eventsReadFromSnapshot: number;
  }[] = [];
  for (const snapshot of snapshotsToTake.sort((a, b) => a.walletId.localeCompare(b.walletId))) {
    await snapshots.put(snapshot);
    const walletId = snapshot.walletId;
    // Each rebuild twice, the faster counted (the first of a wallet also warms the JIT).
    const full = [await timed(() => rebuildFromSnapshot(events, noSnapshots, walletId, CONFIG))];
    full.push(await timed(() => rebuildFromSnapshot(events, noSnapshots, walletId, CONFIG)));
    const fromSnapshot = [await timed(() => rebuildFromSnapshot(events, snapshots, walletId, CONFIG))];
    fromSnapshot.push(await timed(() => rebuildFromSnapshot(events, snapshots, walletId, CONFIG)));
    const stored = await views.getView(walletId);
    for (const run of [...full, ...fromSnapshot]) {
      if (!isDeepStrictEqual(run.value.view, full[0]?.value.view)) {
        throw new Error(`${walletId}: a rebuild from the snapshot differs from the rebuild from zero`);
      }
    }
    if (stored !== undefined && !isDeepStrictEqual(stored, full[0]?.value.view)) {
      throw new Error(`${walletId}: the replayed view differs from the rebuild from zero`);
    }
    const used = fromSnapshot[0]?.value;
    if (used?.fromSnapshot !== snapshot.eventCount) {
      throw new Error(`${walletId}: the rebuild did not start from the snapshot (${used?.fromSnapshot})`);
    }
    longRows.push({
      walletId,
      lanes: (await events.lanes(walletId)).length,
      events: full[0]?.value.view.eventCount ?? 0,
      snapshotAt: snapshot.eventCount,
      fullRebuildMs: Math.min(...full.map((run) => run.ms)),
      snapshotRebuildMs: Math.min(...fromSnapshot.map((run) => run.ms)),
      eventsReadFromSnapshot: used.eventsRead,
    });
  }
  const fullRebuildMs = longRows.reduce((sum, row) => sum + row.fullRebuildMs, 0);
  const snapshotRebuildMs = longRows.reduce((sum, row) => sum + row.snapshotRebuildMs, 0);
  const snapshotSpeedup = fullRebuildMs / snapshotRebuildMs;

  const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
  const wallSeconds = seconds(wallStartMs);
  const figures = {
    events: totalEvents,
    wallets: specs.length,
    seedEventsPerSecond,
    queryEventsPerSecond,
    replayEventsPerSecond,
    measuredEvents,
    replayVsQueryRatio: round(replayVsQueryRatio, 3),
    snapshotRebuildMs: round(snapshotRebuildMs),
    fullRebuildMs: round(fullRebuildMs),
    snapshotSpeedup: round(snapshotSpeedup, 2),
    details: {
      concurrency: CONCURRENCY,
      multiLaneWallets: multiLane,
      seedSeconds: round(seedSeconds),
      querySeconds: round(querySeconds),
      queryEventsPerSecondBeforeAndAfter: [
        Math.round(queryBefore.eventsPerSecond),
        Math.round(queryAfter.eventsPerSecond),
      ],
      queryCpuSeconds: { node: round(queryBefore.cpu.node), dynamodbLocal: round(queryBefore.cpu.jvm) },
      replaySeconds: round(replaySeconds),
      replayEventsPerSecondFirstAndSecond: [
        Math.round(replay.eventsPerSecond),
        Math.round(replayAgain.eventsPerSecond),
      ],
      replayCpuSeconds: { node: round(replay.cpu.node), dynamodbLocal: round(replay.cpu.jvm) },
      cpuMicrosecondsPerEvent: {
        rawQuery: round(queryCpuUs),
        replay: round(replayCpuUs),
      },
      replayVsQueryRatioByCpu: round(queryCpuUs / replayCpuUs, 3),
      wallSeconds: round(wallSeconds),
      snapshotBehindHead: SNAPSHOT_BEHIND,
      longWallets: longRows.map((row) => ({
        ...row,
        fullRebuildMs: round(row.fullRebuildMs),
        snapshotRebuildMs: round(row.snapshotRebuildMs),
      })),
      profileMicrosecondsPerEvent: profileRows,
    },
  };

  const rows: [string, string, string][] = [
    ['events seeded (wallets)', `${totalEvents} (${specs.length}, ${multiLane} multi-lane)`, '≥ 1,000,000'],
    ['seeding, BatchWriteItem', `${seedEventsPerSecond} events/s (${seedSeconds.toFixed(0)} s)`, '—'],
    [
      'raw Query, every lane (mean of 2 passes)',
      `${queryEventsPerSecond} events/s (${querySeconds.toFixed(0)} s a pass)`,
      '—',
    ],
    [
      'replayWallets, every wallet (mean of 2 passes)',
      `${replayEventsPerSecond} events/s (${measuredEvents} events, ${replaySeconds.toFixed(0)} s)`,
      '—',
    ],
    [
      'replay ÷ raw Query, by wall time (by CPU)',
      `${replayVsQueryRatio.toFixed(2)} (${(queryCpuUs / replayCpuUs).toFixed(2)}: ${queryCpuUs.toFixed(0)} vs ${replayCpuUs.toFixed(0)} µs per event)`,
      `≥ ${RATIO_TARGET}`,
    ],
    ...longRows.map((row): [string, string, string] => [
      `rebuild ${row.walletId} (${row.events} events)`,
      `${(row.fullRebuildMs / 1000).toFixed(2)} s from zero, ${row.snapshotRebuildMs.toFixed(0)} ms from the snapshot at ${row.snapshotAt} (${(row.fullRebuildMs / row.snapshotRebuildMs).toFixed(0)}×)`,
      '—',
    ]),
    [
      'snapshot speed-up, long wallets',
      `${snapshotSpeedup.toFixed(1)}× (${(fullRebuildMs / 1000).toFixed(2)} s vs ${(snapshotRebuildMs / 1000).toFixed(2)} s)`,
      '—',
    ],
  ];
  printTable(['figure', 'value', 'target'], rows);
  process.stdout.write(`wall time ${wallSeconds.toFixed(0)} s\n`);
  if (args.json) {
    await writeFile(args.json, `${JSON.stringify(figures, null, 2)}\n`);
    log(`figures written to ${args.json}`);
  }
} finally {
  documents.destroy();
  raw.destroy();
  await ddb.stop();
}
