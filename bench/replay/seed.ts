/**
 * The replay benchmark's data: wallets of seeded random logs in the event store's own item format
 * (table-layout/event-item.ts's toEventItem, event-hash's chain, so `verify` passes), written
 * straight into the table with BatchWriteItem.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { eventHash, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { toEventItem } from '#adapters/dynamodb/table-layout/event-item.ts';
import { LANES_SK, walletPk } from '#adapters/dynamodb/table-layout/keys.ts';
import { RETAINED_DEPOSITS_MAX } from '#app/config.ts';
import { forEachLimited } from '#app/jobs.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { emptyView, projectEvents, type WalletView } from '#domain/wallet-view.ts';
import { prng } from '../prng.ts';
import { batchWrite, cpuSeconds, cpuSince } from '../support.ts';

/** The shipped rule set's flag: more than 10,000.00 within 2 minutes. */
export const CONFIG: ThresholdConfig = {
  thresholdMinor: 1_000_000n,
  windowMs: 120_000,
  retainMax: RETAINED_DEPOSITS_MAX,
};
export const EVENTS_PER_WALLET = 500;
/** Long wallets, for the snapshot figures: lane counts 1, 2 and 4 (hot wallets write in lanes). */
export const LONG_WALLET_LANES = [1, 2, 4] as const;
export const SNAPSHOT_BEHIND = 1_000;
export const BATCH_WRITE_MAX = 25;
const T0 = Date.UTC(2026, 0, 1);
const RULE_TEXT_HASH = sha256Hex('event_type=="answer_is_liked", 250');

export const seconds = (fromMs: number) => (performance.now() - fromMs) / 1000;
export const rate = (count: number, secs: number) => Math.round(count / secs);

export interface WalletSpec {
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

/** The view after the first `count` events in append order, folded as a projector would have. */
export function viewAfter(walletId: string, appends: RecordedEvent[][], count: number): WalletView {
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

/** The wallets: the long ones first (they take longest to write), then 500 events each. */
export function walletSpecs(totalEvents: number, longEvents: number): WalletSpec[] {
  const specs: WalletSpec[] = LONG_WALLET_LANES.map((lanes, i) => ({
    walletId: `long-${lanes}-lanes`,
    events: longEvents,
    lanes,
    seed: 1_000_000 + i,
    whale: false,
  }));
  const regularEvents = totalEvents - longEvents * LONG_WALLET_LANES.length;
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
  return specs;
}

/**
 * Writes every wallet's log, `concurrency` wallets at a time, and returns the long wallets' views
 * SNAPSHOT_BEHIND events before their heads (the snapshots the snapshot figures start from).
 */
export async function seedWallets(
  specs: readonly WalletSpec[],
  target: { documents: DynamoDBDocumentClient; table: string; jvmPid: number },
  concurrency: number,
  log: (line: string) => void,
) {
  const totalEvents = specs.reduce((sum, spec) => sum + spec.events, 0);
  const snapshotsToTake: WalletView[] = [];
  const seedCpu = await cpuSeconds(target.jvmPid);
  const seedStartMs = performance.now();
  let seeded = 0;
  let lastReportMs = seedStartMs;
  await forEachLimited(specs, concurrency, async (spec) => {
    const { appends, items } = walletLog(spec);
    if (spec.walletId.startsWith('long-')) {
      snapshotsToTake.push(viewAfter(spec.walletId, appends, spec.events - SNAPSHOT_BEHIND));
    }
    // A long wallet's batches go out `concurrency` at a time too, so it does not finish last alone.
    const chunk = BATCH_WRITE_MAX * 40;
    const chunks = Array.from({ length: Math.ceil(items.length / chunk) }, (_, i) =>
      items.slice(i * chunk, (i + 1) * chunk),
    );
    await forEachLimited(chunks, spec.events > EVENTS_PER_WALLET ? concurrency : 1, (part) =>
      batchWrite(target.documents, target.table, part),
    );
    seeded += spec.events;
    if (performance.now() - lastReportMs > 15_000) {
      lastReportMs = performance.now();
      log(`  … ${seeded} events, ${rate(seeded, seconds(seedStartMs))} events/s`);
    }
  });
  const seedSeconds = seconds(seedStartMs);
  const seedEventsPerSecond = rate(totalEvents, seedSeconds);
  const seedCpuUsed = await cpuSince(target.jvmPid, seedCpu);
  log(
    `seeded ${totalEvents} events in ${seedSeconds.toFixed(1)} s: ${seedEventsPerSecond} events/s ` +
      `(CPU: node ${seedCpuUsed.node.toFixed(0)} s, DynamoDB Local ${seedCpuUsed.jvm.toFixed(0)} s)`,
  );
  return { snapshotsToTake, seedSeconds, seedEventsPerSecond };
}
