/**
 * The replay benchmark's two measured paths over the same wallets: the raw Query (items counted,
 * never decoded) and `replayWallets` as a job's pages run it, each pass with its wall time and the
 * CPU it took in node and in DynamoDB Local.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand as RawQueryCommand,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import type { DynamoReadModelStore } from '#adapters/dynamodb/read-models.ts';
import { EVENT_SK_PREFIX, VIEW_SK, walletPk } from '#adapters/dynamodb/table-layout/keys.ts';
import { forEachLimited } from '#app/jobs.ts';
import { replayWallets } from '#app/replay.ts';
import { cpuSeconds, cpuSince } from '../support.ts';
import { BATCH_WRITE_MAX, CONFIG, rate, seconds } from './seed.ts';

/** A replay page (replayWallets) and how many run at once (see replayInPages). */
const REPLAY_PAGE = 16;
const REPLAY_PAGES_AT_ONCE = 2;

export interface ReplayStores {
  events: DynamoEventStore;
  views: DynamoReadModelStore;
}

/** What every pass reads from: the table, its clients, and the wallets measured. */
export interface Bench {
  table: string;
  jvmPid: number;
  /** The low-level client: nothing decoded, not even for a no-op log line. */
  raw: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  concurrency: number;
  measuredIds: readonly string[];
  measuredEvents: number;
  log: (line: string) => void;
}

export type CpuUsed = { node: number; jvm: number };
export interface Pass {
  seconds: number;
  eventsPerSecond: number;
  cpu: CpuUsed;
}

/**
 * The raw read: the wallet's whole log as the store reads it for a replay (readWallet: one paged,
 * strongly consistent Query over every lane, pages of 500), items counted, never decoded.
 */
export async function rawRead(client: DynamoDBClient, table: string, walletId: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new RawQueryCommand({
        TableName: table,
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

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const startMs = performance.now();
  const value = await work();
  return { ms: performance.now() - startMs, value };
}

/**
 * Replays the wallets as a job's pages do (replayWallets: views read and written together), in
 * pages of REPLAY_PAGE wallets, REPLAY_PAGES_AT_ONCE pages at a time with the rest of the
 * concurrency in each: at most `concurrency` reads in flight, as the raw read.
 */
export async function replayInPages(
  walletIds: readonly string[],
  stores: ReplayStores,
  concurrency: number,
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
        inFlight: Math.max(1, Math.floor(concurrency / REPLAY_PAGES_AT_ONCE)),
      })),
    );
    slowest?.push({ walletId: `${page[0]}…(${page.length})`, ms: performance.now() - startMs });
  });
  return results;
}

/** Removes the wallets' views, so the next replay rebuilds and writes every one of them. */
export async function deleteViews(bench: Bench, walletIds: readonly string[]): Promise<void> {
  for (let start = 0; start < walletIds.length; start += BATCH_WRITE_MAX) {
    await bench.documents.send(
      new BatchWriteCommand({
        RequestItems: {
          [bench.table]: walletIds.slice(start, start + BATCH_WRITE_MAX).map((walletId) => ({
            DeleteRequest: { Key: { pk: walletPk(walletId), sk: VIEW_SK } },
          })),
        },
      }),
    );
  }
}

/** 1. raw Query over every measured wallet. */
export async function rawQueryPass(bench: Bench): Promise<Pass> {
  const cpu = await cpuSeconds(bench.jvmPid);
  const startMs = performance.now();
  let queried = 0;
  await forEachLimited(bench.measuredIds, bench.concurrency, async (walletId) => {
    const count = await rawRead(bench.raw, bench.table, walletId);
    queried += count;
  });
  const secs = seconds(startMs);
  if (queried !== bench.measuredEvents)
    throw new Error(`raw Query counted ${queried} events, seeded ${bench.measuredEvents}`);
  const used = await cpuSince(bench.jvmPid, cpu);
  bench.log(
    `raw Query: ${queried} events in ${secs.toFixed(1)} s: ${rate(queried, secs)} events/s ` +
      `(CPU: node ${used.node.toFixed(1)} s, DynamoDB Local ${used.jvm.toFixed(1)} s)`,
  );
  return { seconds: secs, eventsPerSecond: queried / secs, cpu: used };
}

/** 2. replay of every measured wallet; every view must be written. */
export async function replayPass(bench: Bench, label: string, stores: ReplayStores): Promise<Pass> {
  const cpu = await cpuSeconds(bench.jvmPid);
  const startMs = performance.now();
  let replayed = 0;
  let written = 0;
  const slowest: { walletId: string; ms: number }[] = [];
  for (const result of await replayInPages(bench.measuredIds, stores, bench.concurrency, slowest)) {
    if (result === undefined) throw new Error('replay: a wallet without events');
    replayed += result.events;
    if (result.written) written++;
  }
  const secs = seconds(startMs);
  if (replayed !== bench.measuredEvents)
    throw new Error(`replay folded ${replayed} events, seeded ${bench.measuredEvents}`);
  if (written !== bench.measuredIds.length)
    throw new Error(`replay wrote ${written} views of ${bench.measuredIds.length}`);
  const used = await cpuSince(bench.jvmPid, cpu);
  slowest.sort((a, b) => b.ms - a.ms);
  bench.log(
    `${label}: ${replayed} events in ${secs.toFixed(1)} s: ${rate(replayed, secs)} events/s ` +
      `(CPU: node ${used.node.toFixed(1)} s, DynamoDB Local ${used.jvm.toFixed(1)} s); ` +
      `slowest pages: ${slowest
        .slice(0, 3)
        .map((entry) => `${entry.walletId} ${(entry.ms / 1000).toFixed(2)} s`)
        .join(', ')}`,
  );
  return { seconds: secs, eventsPerSecond: replayed / secs, cpu: used };
}
