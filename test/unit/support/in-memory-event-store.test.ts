import { describe, expect, it } from 'vitest';
import { eventHash } from '#adapters/dynamodb/event-hash.ts';
import { readAll, readWallet } from '#app/read-events.ts';
import { emptyView } from '#domain/wallet-view.ts';
import { type AppendRequest, VersionConflictError } from '#ports/event-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

/** The fake must behave like the DynamoDB adapter, or the tests built on it prove nothing. */
const request = (version: number, hash: string, overrides: Partial<AppendRequest> = {}): AppendRequest => ({
  walletId: 'w1',
  lane: 0,
  expected: { version, hash },
  events: [
    {
      type: 'Deposited',
      data: { amountMinor: 5n, occurredAtMs: 1 },
      eventId: `e${version + 1}`,
      recordedAtMs: 2,
    },
  ],
  ...overrides,
});

describe('InMemoryEventStore', () => {
  it('appends at dense versions with a hash chain and reports the new head', async () => {
    const store = new InMemoryEventStore();
    const first = await store.append(request(0, ''));
    const second = await store.append(request(1, (await store.head('w1', 0)).hash));
    const [one, two] = store.storedEvents('w1');
    expect(one?.hash).toBe(
      eventHash('', {
        type: 'Deposited',
        data: { amountMinor: 5n, occurredAtMs: 1 },
        eventId: 'e1',
        recordedAtMs: 2,
        walletId: 'w1',
        lane: 0,
        version: 1,
      }),
    );
    expect(two?.prevHash).toBe(one?.hash);
    expect(first).toMatchObject({ kind: 'appended', head: { version: 1, hash: one?.hash } });
    expect(second).toMatchObject({ kind: 'appended', head: { version: 2, hash: two?.hash } });
    await expect(store.head('w1', 0)).resolves.toEqual({ version: 2, hash: two?.hash });
  });

  it('throws version-taken with the winner when the version is taken, and writes nothing', async () => {
    const store = new InMemoryEventStore();
    await store.append(request(0, ''));
    const winner = store.storedEvents('w1')[0];
    const error = await store.append(request(0, '')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({
      lane: 0,
      reason: 'version-taken',
      taken: { version: 1, hash: winner?.hash },
    });
    expect(store.eventCount()).toBe(1);
  });

  it('keeps lanes apart and lists lane 0 plus every opened lane', async () => {
    const store = new InMemoryEventStore();
    await expect(store.lanes('w1')).resolves.toEqual([0]);
    await store.append(request(0, '', { lane: 5 }));
    await store.append(request(0, '', { lane: 2 }));
    await expect(store.lanes('w1')).resolves.toEqual([0, 2, 5]);
    await expect(store.head('w1', 0)).resolves.toEqual({ version: 0, hash: '' });
    await expect(store.head('w1', 5)).resolves.toMatchObject({ version: 1 });
    await expect(store.append(request(0, '', { lane: 64 }))).rejects.toThrow('no lane 64');
    expect((await readWallet(store, 'w1')).map((event) => [event.lane, event.version])).toEqual([
      [2, 1],
      [5, 1],
    ]);
  });

  it('answers duplicate or key-reused for a used key before looking at the version', async () => {
    const store = new InMemoryEventStore();
    const idempotency = { key: 'k', payloadHash: 'p', response: { statusCode: 201, body: 'first' } };
    await store.append(request(0, '', { idempotency }));
    const duplicate = await store.append(
      request(0, '', { idempotency: { ...idempotency, response: { statusCode: 201, body: 'x' } } }),
    );
    expect(duplicate).toEqual({
      kind: 'duplicate',
      record: {
        key: 'k',
        payloadHash: 'p',
        walletId: 'w1',
        versions: [1],
        eventIds: ['e1'],
        response: { statusCode: 201, body: 'first' },
        recordedAtMs: 2,
      },
    });
    const reused = await store.append(
      request(0, '', { lane: 3, idempotency: { ...idempotency, payloadHash: 'other' } }),
    );
    expect(reused.kind).toBe('key-reused');
    expect(store.eventCount()).toBe(1);
    expect(store.storedEvents('w1')[0]?.idempotencyKey).toBe('k');
  });

  it('reads ranges in pages of pageSize, ascending', async () => {
    const store = new InMemoryEventStore({ pageSize: 2 });
    for (let version = 0; version < 5; version++) {
      await store.append(request(version, (await store.head('w1', 0)).hash));
    }
    const pages: number[][] = [];
    for await (const page of store.read('w1', 0)) pages.push(page.map((event) => event.version));
    expect(pages).toEqual([[1, 2], [3, 4], [5]]);
    const middle = await readAll(store, 'w1', 0, { fromVersion: 2, toVersion: 3 });
    expect(middle.map((event) => event.version)).toEqual([2, 3]);
    await expect(readAll(store, 'w1', 0, { toVersion: 0 })).resolves.toEqual([]);
    await expect(readAll(store, 'w1', 0, { fromVersion: 6 })).resolves.toEqual([]);
  });

  it('writes a view only with more events than the stored one, or under another threshold rule', async () => {
    const store = new InMemoryEventStore();
    const config = { thresholdMinor: 10n, windowMs: 100, retainMax: 5 };
    const two = { ...emptyView('w1', config), lanes: [2], eventCount: 2 };
    await expect(store.putView(two)).resolves.toBe('written');
    await expect(store.putView({ ...two, lanes: [1], eventCount: 1 })).resolves.toBe('stale');
    await expect(store.putView(two)).resolves.toBe('stale');
    await expect(store.putView({ ...two, eventCount: 1, thresholdMinor: 11n })).resolves.toBe('written');
    await expect(store.getView('w1')).resolves.toMatchObject({ eventCount: 1, thresholdMinor: 11n });
  });
});
