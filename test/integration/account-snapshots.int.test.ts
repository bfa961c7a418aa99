import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type CardAction, cardAction } from '#app/cards.ts';
import { builtInDecisionRules } from '#app/default-decision-rules.ts';
import { AccountSnapshots, accountNow } from '#app/queries/account.ts';
import { readWallet } from '#app/read-events.ts';
import { accountBalance } from '#domain/card/statement.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { DynamoAccountSnapshotStore } from '../../functions/adapters/dynamodb/account-snapshots.ts';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoEventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import { ensureTable } from '../../functions/local/table.ts';

/**
 * Account snapshots against the real DynamoDB Local: the state stored is the state read back,
 * field for field (bigints, Maps); the fuller of two racing snapshots stays; the event store never
 * reads the snapshot item as an event; a cold instance's read from it equals a fold of the log.
 */

let raw: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let events: DynamoEventStore;
let snapshots: DynamoAccountSnapshotStore;
const tableName = `tally-int-acctsnap-${randomUUID().slice(0, 8)}`;
const T = 1_700_000_000_000;

beforeAll(async () => {
  const endpoint = inject('dynamodbEndpoint');
  raw = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  await ensureTable(raw, tableName);
  documents = createDocumentClient({ endpoint, region: LOCAL_REGION });
  events = new DynamoEventStore(documents, tableName);
  snapshots = new DynamoAccountSnapshotStore(documents, tableName);
});

afterAll(async () => {
  documents?.destroy();
  await raw?.send(new DeleteTableCommand({ TableName: tableName }));
});

describe('DynamoAccountSnapshotStore', () => {
  it('stores the account state exactly, keeps the fuller snapshot, and is never read as an event', async () => {
    const clock = { nowMs: () => T };
    let ids = 0;
    const deps = {
      store: events,
      clock,
      ids: { newId: () => `e${++ids}` },
      decisionRules: builtInDecisionRules,
    };
    const act = async (action: CardAction) => {
      const outcome = await cardAction(
        deps,
        {
          accountId: 'acct-1',
          idempotency: { key: `k${++ids}`, payloadHash: `h${ids}` },
          respond: (_events, { authorizationId }) => ({ statusCode: 201, body: authorizationId ?? '' }),
        },
        action,
      );
      if (outcome.kind !== 'recorded') throw new Error(outcome.kind);
      return outcome.response.body;
    };
    await act({ kind: 'open', creditLimit: 100_000n, currency: 'EUR' });
    const approved = await act({ kind: 'authorize', amount: 12_345n, merchant: { id: 'm', mcc: '5942' } });
    await act({ kind: 'authorize', amount: 10n, merchant: { id: 'c', mcc: '7995' } });
    await act({ kind: 'capture', authorizationId: approved, amount: 10_000n });
    await act({ kind: 'pay', paymentId: 'p1', amount: 3_000n });
    await act({ kind: 'return', paymentId: 'p1', reason: 'nsf' });
    const log = await readWallet(events, 'acct-1');
    const state = foldWallet(log, initialWalletState());

    expect(await snapshots.latest('acct-1')).toBeUndefined();
    await snapshots.put('acct-1', state);
    expect(await snapshots.latest('acct-1')).toEqual(state);
    // An older state put later (a slower instance) does not replace it.
    await snapshots.put('acct-1', foldWallet(log.slice(0, 2), initialWalletState()));
    expect((await snapshots.latest('acct-1'))?.version).toBe(state.version);
    // The snapshot item lives in the account's partition; reads of the log never see it.
    expect(await readWallet(events, 'acct-1')).toEqual(log);
    expect(await events.lanes('acct-1')).toEqual([0]);

    // A cold instance's read starts from it and equals a fold of the whole log.
    await act({ kind: 'pay', paymentId: 'p2', amount: 500n });
    const read = await accountNow(
      { store: events, clock, snapshots: new AccountSnapshots(), accountSnapshots: snapshots },
      'acct-1',
    );
    const full = accountBalance(foldWallet(await readWallet(events, 'acct-1'), initialWalletState()), T);
    expect(read?.balance).toEqual(full);
    expect(read?.balance.owed).toBe(9_500n);
  });
});
