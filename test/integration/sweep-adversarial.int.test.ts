/**
 * review8 (stop 24): a forger's moves against the checkpoint sweep, whatever the Scan's page size:
 * an older genuine checkpoint planted under another lane-0 key, a deleted registry, a truncated
 * tail with decoy partitions, a deleted checkpointed head, and a view item that does not read.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CountedStoreTable } from '../support/local.ts';
import { useSweepTable } from '../support/sweep-table.ts';

const sweepTable = useSweepTable('tally-int-review8');
const { append, project, named, sweepStore } = sweepTable;
let table: CountedStoreTable;
beforeEach(() => {
  table = sweepTable.table();
});
const key = (pk: string, sk: string) => ({ TableName: table.tableName, Key: { pk, sk } });
const eventSk = (lane: number, v: number) => sweepTable.eventKey('', lane, v).sk;
const sweep = (limit?: number) => sweepTable.sweep(sweepStore(limit));
const resetMark = () => table.documents.send(new DeleteCommand(key('CHECKPOINTS', 'PASS')));

describe('the checkpoint sweep against a forger (review8)', () => {
  // Pre-existing on main too: a second lane-0 checkpoint item under a non-canonical key
  // (CHECKPOINT#000 parses as lane 0) holding an OLDER genuine checkpoint takes the walk's start.
  it('reports a rewrite after the newest checkpoint when an older genuine checkpoint is planted at CHECKPOINT#000', async () => {
    const w = named('dup');
    await append(w, 0, 2);
    await append(named('o'), 0);
    expect(await sweep()).toMatchObject({ broken: [] });
    const old = (await table.documents.send(new GetCommand(key(`WALLET#${w}`, 'CHECKPOINT#00')))).Item;
    await append(w, 0, 3);
    await resetMark();
    expect(await sweep()).toMatchObject({ broken: [] });
    // Attacker: plants the old (genuinely signed, v2) checkpoint under another lane-0 key, rewrites 3..5.
    await table.documents.send(
      new PutCommand({ TableName: table.tableName, Item: { ...old, sk: 'CHECKPOINT#000' } }),
    );
    for (const v of [3, 4, 5])
      await table.documents.send(new DeleteCommand(key(`WALLET#${w}`, eventSk(0, v))));
    await append(w, 0, 3);
    await resetMark();
    const report = await sweep();
    expect(report.broken.map(({ walletId }) => walletId)).toEqual([w]);
  });

  it.each([undefined, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])(
    'reports a deleted registry of a wallet with legacy lane 5 (view applied it), pages of %s',
    async (limit) => {
      const w = named('reg');
      await append(named('x'), 0, 2);
      await append(w, 0, 2);
      await append(w, 5, 2);
      await project(w);
      await append(named('y'), 0, 2);
      await table.documents.send(new DeleteCommand(key(`WALLET#${w}`, 'LANES')));
      const report = await sweep(limit);
      expect(report.broken.map(({ walletId }) => walletId)).toEqual([w]);
    },
  );

  it.each([undefined, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])(
    'reports a tail truncated after a checkpoint, with a decoy partition WALLET#W#77 holding the full copy, pages of %s',
    async (limit) => {
      const w = named('t');
      await append(w, 0, 3);
      await append(named('o'), 0);
      expect(await sweep()).toMatchObject({ broken: [] });
      await append(w, 0, 3);
      await project(w);
      // Decoys: every item of W's partition copied to WALLET#W#77 and to WALLET#Wx (as its own wallet).
      const items = [];
      for (let v = 1; v <= 6; v++)
        items.push((await table.documents.send(new GetCommand(key(`WALLET#${w}`, eventSk(0, v))))).Item);
      items.push((await table.documents.send(new GetCommand(key(`WALLET#${w}`, 'VIEW#WALLET')))).Item);
      items.push((await table.documents.send(new GetCommand(key(`WALLET#${w}`, 'CHECKPOINT#00')))).Item);
      for (const pk of [`WALLET#${w}#77`])
        for (const item of items)
          await table.documents.send(new PutCommand({ TableName: table.tableName, Item: { ...item, pk } }));
      await table.documents.send(new DeleteCommand(key(`WALLET#${w}`, eventSk(0, 6))));
      await table.documents.send(new DeleteCommand(key(`WALLET#${w}`, eventSk(0, 5))));
      await resetMark();
      const report = await sweep(limit);
      expect(report.broken.map(({ walletId }) => walletId)).toEqual([w]);
      expect(report.broken[0]?.reason).toContain('removed from its tail');
    },
  );
  it('reports a lane 0 whose checkpointed head (and all after it) was deleted, wallet without a view (walkLaneItems end())', async () => {
    const w = named('head');
    await append(w, 0, 3);
    await append(named('o'), 0);
    expect(await sweep()).toMatchObject({ broken: [] });
    await table.documents.send(new DeleteCommand(key(`WALLET#${w}`, eventSk(0, 3))));
    await resetMark();
    const report = await sweep();
    expect(report.broken.map(({ walletId, version }) => [walletId, version])).toEqual([[w, 3]]);
    expect(report.broken[0]?.reason).toContain('verified before, is missing');
  });
  it.each([undefined, 1, 2, 3])(
    'a view item that does not read anchors nothing, as a view not there: the sweep goes on, pages of %s',
    async (limit) => {
      const w = named('junkview');
      await append(w, 0, 2);
      await append(named('o'), 0);
      await table.documents.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { pk: `WALLET#${w}`, sk: 'VIEW#WALLET', lanes: 'junk' },
        }),
      );
      const report = await sweep(limit);
      expect(report).toMatchObject({ broken: [], passEnded: true });
      expect(report.signed).toBeGreaterThanOrEqual(2);
    },
  );
});
