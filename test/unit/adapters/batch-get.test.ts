/**
 * batch-get.ts and wallet-lanes.ts when DynamoDB leaves keys unprocessed (DynamoDB Local never
 * does, so a fake client leaves them): the keys are asked again until answered, each
 * wallet gets its own registry, and keys left after the last round throw instead of reading as
 * "no registry" (lane 0 only), which would let the sweep miss a checkpointed lane's walk.
 */
import { describe, expect, it, vi } from 'vitest';
import { batchGetItems } from '#adapters/dynamodb/batch-get.ts';
import { walletLanes } from '#adapters/dynamodb/wallet-lanes.ts';

type Key = { pk: string; sk: string };
const fakeClient = (items: Map<string, Record<string, unknown>>, unprocessedRounds: number) => {
  let round = 0;
  const send = vi.fn(async (command: { input: { RequestItems: Record<string, { Keys: Key[] }> } }) => {
    const [entry] = Object.entries(command.input.RequestItems);
    if (entry === undefined) throw new Error('a BatchGetItem with no table');
    const [table, { Keys }] = entry;
    round++;
    // Leave every other key unprocessed for the first rounds.
    const left =
      unprocessedRounds === Infinity
        ? Keys
        : round <= unprocessedRounds
          ? Keys.filter((_, i) => i % 2 === 1)
          : [];
    const done = Keys.filter((k) => !left.includes(k));
    return {
      Responses: {
        [table]: done.flatMap((k) => {
          const item = items.get(k.pk);
          return item === undefined ? [] : [item];
        }),
      },
      ...(left.length > 0 ? { UnprocessedKeys: { [table]: { Keys: left } } } : {}),
    };
  });
  return { send } as never as import('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient & { send: typeof send };
};

describe('batch reads with unprocessed keys', () => {
  it('walletLanes answers each wallet’s registry after two rounds of unprocessed keys', async () => {
    const items = new Map([
      ['WALLET#b', { pk: 'WALLET#b', sk: 'LANES', lanes: new Set(['40']) }],
      ['WALLET#d', { pk: 'WALLET#d', sk: 'LANES', lanes: ['3', '41'] }],
    ]);
    const client = fakeClient(items, 2);
    const lanes = await walletLanes(client, 't', ['a', 'b', 'c', 'd', 'b']);
    expect([...lanes]).toEqual([
      ['a', [0]],
      ['b', [0, 40]],
      ['c', [0]],
      ['d', [0, 3, 41]],
    ]);
    expect((client as unknown as { send: { mock: { calls: unknown[] } } }).send.mock.calls.length).toBe(3);
  });

  it('throws when keys stay unprocessed after the last round', async () => {
    const client = fakeClient(new Map(), Infinity);
    await expect(
      batchGetItems(
        client,
        't',
        [
          { pk: 'a', sk: 'x' },
          { pk: 'b', sk: 'x' },
        ],
        'what',
      ),
    ).rejects.toThrow(/what: 2 keys left unread/);
  }, 20_000);
});
