/**
 * The checkpoint sweep verifies a wallet from the Scan page that lists it, where the page read the
 * wallet's partition whole (stop 24; CheckpointedWalletPage.inHand): its checkpoints, lane 0's
 * events, its registry and its view, all of them in that partition. Each test here fails on a
 * naive version: one that takes a wallet the page cut, one that ignores a registry naming another
 * lane, one that lets the in-hand answer stand when the view is newer than the events the page
 * read, or one that misses a rewrite after a checkpoint.
 */
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import type { StreamHead } from '#ports/event-store.ts';
import { DynamoCheckpointSweepStore } from '../../functions/adapters/dynamodb/checkpoint-sweep-store.ts';
import { withDocumentMiddleware } from '../support/document-middleware.ts';
import type { CountedStoreTable } from '../support/local.ts';
import { useSweepTable } from '../support/sweep-table.ts';

const sweepTable = useSweepTable('tally-int-in-hand');
const { append, project, eventKey, named, sweep } = sweepTable;
let table: CountedStoreTable;
beforeEach(() => {
  table = sweepTable.table();
});

/** Every page of a pass, pages of `limit` items (DynamoDB's 1 MB without). */
async function pagesOf(limit: number | undefined) {
  const store = new DynamoCheckpointSweepStore(table.documents, table.tableName);
  store.pageLimit = limit;
  const pages = [];
  let cursor: string | null = null;
  do {
    const page = await store.walletPage({ segment: 0, segments: 1, cursor });
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return pages;
}

/** Lane 0's head as a page's checkpoints name it (where a verify from the page starts). */
const laneZeroFrom = (
  page: Awaited<ReturnType<typeof pagesOf>>[number],
  walletId: string,
): StreamHead | undefined => {
  const checkpoint = page.checkpoints.get(walletId)?.find(({ lane }) => lane === 0);
  return checkpoint === undefined ? undefined : { version: checkpoint.version, hash: checkpoint.hash };
};

/** The Scan's answers edited by `edit` (after the answer is unmarshalled). */
const withScanAnswer = <T>(
  edit: (items: Record<string, unknown>[]) => Record<string, unknown>[],
  run: () => Promise<T>,
) =>
  withDocumentMiddleware(
    table.documents,
    'inHandScanAnswer',
    async (commandName, args, next) => {
      const answer = await next(args);
      const output = answer.output as { Items?: Record<string, unknown>[] };
      if (commandName === 'ScanCommand' && output.Items !== undefined) output.Items = edit(output.Items);
      return answer;
    },
    run,
  );

describe('a wallet verified from the page that lists it', () => {
  it('answers, for every wallet the page read whole, what the reads apart answer (view, registry, lane 0’s walk), however the pages fall; none for a wallet the page cut or with other lanes', async () => {
    const [plain, single, signed, legacy, hot] = ['a', 'b', 'c', 'd', 'e'].map(named) as [
      string,
      string,
      string,
      string,
      string,
    ];
    await append(plain, 0, 3);
    await project(plain);
    await append(single, 0);
    await append(signed, 0, 2);
    await append(legacy, 0);
    await append(legacy, 5);
    await append(hot, 0);
    await append(hot, 40);
    expect(await sweep()).toMatchObject({ signed: 5, broken: [] });
    // After the checkpoints: one more event, and a view that applied it.
    await append(signed, 0);
    await project(signed);
    await project(legacy);
    const store = new DynamoCheckpointSweepStore(table.documents, table.tableName);
    const both = await store.viewsAndLanes([plain, single, signed, legacy, hot]);
    let cut = 0;
    for (const limit of [undefined, ...Array.from({ length: 30 }, (_, index) => index + 1)]) {
      const held = new Set<string>();
      for (const page of await pagesOf(limit)) {
        for (const walletId of page.walletIds) {
          const from = laneZeroFrom(page, walletId);
          const inHand = page.inHand?.(walletId, from);
          if (inHand === undefined) {
            if (walletId !== legacy && walletId !== hot) cut++;
            continue;
          }
          held.add(walletId);
          const apart = {
            view: both.views.get(walletId),
            lanes: both.lanes.get(walletId),
            laneZero: await table.store.verify(
              walletId,
              from === undefined ? undefined : new Map([[0, from]]),
              [0],
            ),
          };
          expect({ ...inHand, laneZero: await inHand.laneZero }, `limit ${limit}, ${walletId}`).toEqual(
            apart,
          );
        }
      }
      expect(held.has(legacy) || held.has(hot), `limit ${limit}`).toBe(false);
      if (limit === undefined) expect([...held].sort()).toEqual([plain, single, signed].sort());
    }
    // Pages did cut the one-lane wallets' partitions (those wallets were read apart).
    expect(cut).toBeGreaterThan(0);
  });

  it.each([undefined, 1, 2, 3, 4, 5, 6, 7, 8])(
    'reports a wallet whose lane 0 lost the tail its view applied, wherever the page ends (pages of %s items)',
    async (limit) => {
      const cut = named('t');
      await append(named('x'), 0, 2);
      await append(cut, 0, 3);
      await project(cut);
      await append(named('y'), 0, 2);
      await table.documents.send(new DeleteCommand({ TableName: table.tableName, Key: eventKey(cut, 0, 3) }));
      const store = new DynamoCheckpointSweepStore(table.documents, table.tableName);
      store.pageLimit = limit;
      const report = await sweep(store);
      expect(report.broken.map(({ walletId, lane, version }) => [walletId, lane, version])).toEqual([
        [cut, 0, 3],
      ]);
      expect(report.broken[0]?.reason).toContain('removed from its tail');
      expect(await store.checkpoints(cut)).toEqual([]);
    },
  );

  it('walks the lanes a registry names besides lane 0 (apart): an edited event of lane 5 is reported', async () => {
    const walletId = named('r');
    await append(walletId, 0, 2);
    await append(walletId, 5, 2);
    await append(named('o'), 0);
    await table.documents.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: eventKey(walletId, 5, 2),
        UpdateExpression: 'SET #data.amountMinor = :amount',
        ExpressionAttributeNames: { '#data': 'data' },
        ExpressionAttributeValues: { ':amount': 1_000_000 },
      }),
    );
    const report = await sweep();
    expect(report.broken).toEqual([
      expect.objectContaining({ walletId, lane: 5, version: 2, reason: expect.stringContaining('content') }),
    ]);
    expect(report.signed).toBe(1);
  });

  it('verifies again, in order, a wallet whose view the page read newer than its events (an append landing during the Scan), and signs the head: no false report', async () => {
    const walletId = named('n');
    const other = named('m');
    await append(walletId, 0, 2);
    await append(other, 0);
    await project(walletId);
    expect(await sweep()).toMatchObject({ signed: 2, broken: [] });
    await append(walletId, 0);
    await project(walletId);
    // The Scan reads lane 0 before the third event is there, and the view after it is projected.
    const third = eventKey(walletId, 0, 3);
    const late = (items: Record<string, unknown>[]) =>
      items.filter(({ pk, sk }) => pk !== third.pk || sk !== third.sk);
    const store = new DynamoCheckpointSweepStore(table.documents, table.tableName);
    const page = await withScanAnswer(late, () =>
      store.walletPage({ segment: 0, segments: 1, cursor: null }),
    );
    const inHand = page.inHand?.(walletId, laneZeroFrom(page, walletId));
    expect(inHand?.view).toEqual({ lanes: [3] });
    expect(await inHand?.laneZero).toMatchObject({
      ok: true,
      heads: new Map([[0, expect.objectContaining({ version: 2 })]]),
    });
    const queries = table.sent('QueryCommand');
    const report = await withScanAnswer(late, () => sweep(store));
    expect(report).toEqual({ signed: 2, broken: [], passEnded: true });
    // Only that wallet was read again (its checkpoints, then its walk), and its new head signed.
    expect(table.sent('QueryCommand') - queries).toBe(2);
    expect((await store.checkpoints(walletId)).map(({ version }) => version)).toEqual([3]);
  });

  it('reports a lane 0 rewritten and rehashed after its checkpoint, from the page alone, and keeps the checkpoint', async () => {
    const walletId = named('w');
    await append(walletId, 0, 2);
    await append(named('v'), 0);
    expect(await sweep()).toMatchObject({ signed: 2, broken: [] });
    const store = new DynamoCheckpointSweepStore(table.documents, table.tableName);
    const [before] = await store.checkpoints(walletId);
    for (const version of [1, 2])
      await table.documents.send(
        new DeleteCommand({ TableName: table.tableName, Key: eventKey(walletId, 0, version) }),
      );
    await append(walletId, 0, 3);
    const [page] = await pagesOf(undefined);
    expect(await page?.inHand?.(walletId, laneZeroFrom(page, walletId))?.laneZero).toMatchObject({
      ok: false,
      lane: 0,
      version: 2,
      reason: expect.stringContaining('rewritten'),
    });
    const report = await sweep(store);
    expect(report.broken).toEqual([
      expect.objectContaining({
        walletId,
        lane: 0,
        version: 2,
        reason: expect.stringContaining('rewritten'),
      }),
    ]);
    expect(await store.checkpoints(walletId)).toEqual([before]);
  });
});
