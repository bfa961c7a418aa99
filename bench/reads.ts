/**
 * `npm run bench:reads [-- --events N] [-- --json <file>]` — what one read costs on a long wallet
 * (issue 10 §4.2): N events (default 50,000) in one wallet on DynamoDB Local, then the audit trail's
 * first and 100th page (`limit=1`), `asOf` a time near the head, `/points`' first page and `/verify`,
 * each as it is now and as it was (the whole log read per request), best of 3.
 *
 * The wallet earns points at its first and last events and has one correction, with the award and
 * correction indexes written as the command path writes them (app/read-indexes.ts), so `/points`
 * and the audit trail's `correctedBy` are timed both ways in the same run: through the indexes, and
 * through the log (the same store seen without them, as a wallet begun before them is read).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoCheckpointStore } from '#adapters/dynamodb/checkpoints.ts';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { eventHash } from '#adapters/dynamodb/event-hash.ts';
import { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import { readIndexTransactItems } from '#adapters/dynamodb/read-indexes.ts';
import { DynamoReadModelStore } from '#adapters/dynamodb/read-models.ts';
import { DynamoSnapshotStore } from '#adapters/dynamodb/snapshots.ts';
import { toEventItem } from '#adapters/dynamodb/table-layout/event-item.ts';
import { HmacCheckpointSigner } from '#adapters/hmac-signer.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { forEachLimited } from '#app/jobs.ts';
import { auditTrail } from '#app/queries/audit-trail.ts';
import { pointsExplained } from '#app/queries/points.ts';
import { verifyWallet } from '#app/queries/verify.ts';
import { walletAsOf } from '#app/queries/wallet-view.ts';
import { readWallet } from '#app/read-events.ts';
import { readIndexChangesOf } from '#app/read-indexes.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { initialWalletState, type RecordedEvent, type WalletEvent } from '#domain/wallet.ts';
import { rebuildView } from '#domain/wallet-view.ts';
import { ensureTable } from '#local/table.ts';
import type { EventStore } from '#ports/event-store.ts';
import { batchWrite, printTable } from './support.ts';

const { values: args } = parseArgs({
  options: { events: { type: 'string', default: '50000' }, json: { type: 'string' } },
});
const EVENTS = Number(args.events);
const TABLE = 'tally-bench-reads';
const WALLET = 'long-reader';
const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };
const T0 = Date.parse('2026-11-22T00:00:00Z');
const log = (line: string) => process.stderr.write(`${line}\n`);

type Stamped = WalletEvent & { eventId: string; recordedAtMs: number };

/** The seeded wallet's appends: fact + award, deposits, a correction of the first deposit, fact + award. */
function seededAppends(total: number): Stamped[][] {
  const atMs = (n: number) => T0 + n * 1_000;
  const award = (factId: string, n: number): Stamped[] => [
    {
      type: 'FactRecorded',
      data: { factId, source: 'bench', factType: 'answer_is_liked', occurredAtMs: atMs(n), dataJson: '{}' },
      eventId: `${factId}-fact`,
      recordedAtMs: atMs(n),
    },
    {
      type: 'PointsAwarded',
      data: { points: 250n, factId, ruleId: 'liked', ruleSetVersion: 0, ruleTextHash: 'ab'.repeat(32) },
      eventId: `${factId}-award`,
      recordedAtMs: atMs(n),
    },
  ];
  const appends: Stamped[][] = [award('first', 1)];
  for (let n = 3; n <= total - 3; n++) {
    appends.push([
      {
        type: 'Deposited',
        data: { amountMinor: BigInt(100 + (n % 997)), occurredAtMs: atMs(n) },
        eventId: `e-${n}`,
        recordedAtMs: atMs(n),
      },
    ]);
  }
  appends.push([
    {
      type: 'EventCorrected',
      data: {
        target: { eventId: 'e-3', lane: 0, version: 3, type: 'Deposited' },
        action: 'void',
        reason: 'bench',
      },
      eventId: 'correction-1',
      recordedAtMs: atMs(total - 2),
    },
  ]);
  appends.push(award('last', total - 1));
  return appends;
}

/** The read-index items the command path writes with an append (marker, award range, correction link). */
function readIndexItems(append: Stamped[], expectedVersion: number): Record<string, unknown>[] {
  return readIndexChangesOf(WALLET, initialWalletState(), 0, expectedVersion, append).flatMap((change) =>
    readIndexTransactItems(TABLE, change).flatMap((item) => (item.Put?.Item ? [item.Put.Item] : [])),
  );
}

async function bestOf3(run: () => Promise<unknown>): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const startMs = performance.now();
    await run();
    best = Math.min(best, performance.now() - startMs);
  }
  return Math.round(best * 10) / 10;
}

const ddb = await startDynamoDbLocal({ inMemory: true, log, tuning: 'throughput' });
const raw = new DynamoDBClient({
  endpoint: ddb.endpoint,
  region: LOCAL_REGION,
  credentials: LOCAL_CREDENTIALS,
});
const documents = createDocumentClient({ endpoint: ddb.endpoint, region: LOCAL_REGION });
const events = new DynamoEventStore(documents, TABLE);
const readModels = new DynamoReadModelStore(documents, TABLE);
const snapshots = new DynamoSnapshotStore(documents, TABLE);
const checkpoints = {
  store: new DynamoCheckpointStore(documents, TABLE),
  signer: new HmacCheckpointSigner(Buffer.alloc(32, 7)),
};

try {
  await ensureTable(raw, TABLE);
  log(`seeding ${EVENTS} events in one wallet …`);
  const log_: RecordedEvent[] = [];
  const items: Record<string, unknown>[] = [];
  let prevHash = '';
  // Appends as the command path makes them: a fact and its award first and last, a correction of
  // the first deposit just before the last fact, deposits between.
  const appends = seededAppends(EVENTS);
  for (const append of appends) {
    const expectedVersion = log_.length;
    items.push(...readIndexItems(append, expectedVersion));
    for (const [index, stamped] of append.entries()) {
      const event = {
        ...stamped,
        walletId: WALLET,
        lane: 0,
        version: expectedVersion + 1 + index,
      } as RecordedEvent;
      const hash = eventHash(prevHash, event);
      items.push(toEventItem(event, prevHash, hash));
      log_.push(event);
      prevHash = hash;
    }
  }
  const chunks = Array.from({ length: Math.ceil(items.length / 1_000) }, (_, i) =>
    items.slice(i * 1_000, (i + 1) * 1_000),
  );
  await forEachLimited(chunks, 4, (part) => batchWrite(documents, TABLE, part));
  // The projector's work, done here: the view, and a snapshot every 1,000 events (the newest kept).
  await readModels.putView(rebuildView(WALLET, log_, CONFIG));
  const snapshotAt = Math.floor((EVENTS - 1) / 1_000) * 1_000;
  if (snapshotAt > 0) await snapshots.put(rebuildView(WALLET, log_.slice(0, snapshotAt), CONFIG));

  const page = (version: number) => ({ limit: 1, from: { lane: 0, version } });
  const asOfMs = T0 + (EVENTS - 10) * 1_000;
  const stores = { events, readModels };
  // The same store without its indexes: what every listing did before them.
  const logOnly = Object.create(events, { indexes: { value: undefined } }) as EventStore;
  const figures = {
    events: EVENTS,
    eventsFirstPage: {
      before: await bestOf3(() => readWallet(events, WALLET)),
      after: await bestOf3(() => auditTrail(events, readModels, WALLET, page(1))),
    },
    eventsPage100: {
      before: await bestOf3(() => readWallet(events, WALLET)),
      after: await bestOf3(() => auditTrail(events, readModels, WALLET, page(100))),
    },
    asOf: {
      before: await bestOf3(() => walletAsOf({ stores, config: CONFIG }, WALLET, { knownAtMs: asOfMs })),
      after: await bestOf3(() =>
        walletAsOf({ stores: { ...stores, snapshots }, config: CONFIG }, WALLET, { knownAtMs: asOfMs }),
      ),
    },
    pointsFirstPage: {
      before: await bestOf3(() => pointsExplained(logOnly, WALLET, { ...page(1), continued: false })),
      after: await bestOf3(() => pointsExplained(events, WALLET, { ...page(1), continued: false })),
    },
    // The second award sits at the log's end: through the log, page 2 reads everything between.
    pointsSecondPage: {
      before: await bestOf3(() => pointsExplained(logOnly, WALLET, { ...page(3), continued: true })),
      after: await bestOf3(() => pointsExplained(events, WALLET, { ...page(3), continued: true })),
    },
    // The wallet has a correction: correctedBy through the log reads all of it on every page.
    eventsPageCorrected: {
      before: await bestOf3(() => auditTrail(logOnly, readModels, WALLET, page(3))),
      after: await bestOf3(() => auditTrail(events, readModels, WALLET, page(3))),
    },
    verify: {
      before: await bestOf3(() => events.verify(WALLET)),
      // The first verify signs the heads; the timed ones start from that checkpoint.
      after: await (async () => {
        await verifyWallet({ ...stores, checkpoints }, WALLET);
        return bestOf3(() => verifyWallet({ ...stores, checkpoints }, WALLET));
      })(),
      full: await bestOf3(() => verifyWallet({ ...stores, checkpoints }, WALLET, { full: true })),
    },
  };
  const row = (name: string, figure: { before?: number; after: number }) => [
    name,
    figure.before === undefined ? '—' : `${figure.before} ms`,
    `${figure.after} ms`,
  ];
  printTable(
    ['read', 'before (whole log)', 'now'],
    [
      row('events?limit=1, page 1', figures.eventsFirstPage),
      row('events?limit=1, page 100', figures.eventsPage100),
      row('?asOf= (10 events before the head)', figures.asOf),
      row('/points?limit=1, page 1', figures.pointsFirstPage),
      row('/points?limit=1, page 2', figures.pointsSecondPage),
      row('events?limit=1 at a corrected event (correctedBy)', figures.eventsPageCorrected),
      row('/verify (from its checkpoint)', figures.verify),
      row('/verify?full=true', { before: figures.verify.before, after: figures.verify.full }),
    ],
  );
  if (args.json !== undefined) await writeFile(args.json, `${JSON.stringify(figures, null, 2)}\n`);
} finally {
  documents.destroy();
  raw.destroy();
  await ddb.stop();
}
