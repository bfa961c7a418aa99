import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordDeposit } from '#app/deposit.ts';
import { HOT_LANES_FROM, LANES_MAX } from '#ports/event-store.ts';
import { type Fault, input, KEY, oneDeposit, ours, setup, times } from '../../support/deposit-faults.ts';

describe('recordDeposit', () => {
  it('records one event at lane 0, version 1 on an empty wallet', async () => {
    const { inner, deps } = setup([]);
    const result = await recordDeposit(deps, input());
    expect(result).toEqual({
      kind: 'recorded',
      response: { statusCode: 201, body: '{"lane":0,"version":1,"eventId":"id-1"}' },
      events: [
        {
          type: 'Deposited',
          data: { amountMinor: 800_000n, occurredAtMs: 1_700_000_000_001 },
          eventId: 'id-1',
          recordedAtMs: 1_700_000_000_001,
          walletId: 'w1',
          lane: 0,
          version: 1,
        },
      ],
      conflicts: 0,
    });
    expect(inner.storedEvents('w1')).toHaveLength(1);
  });

  it.each([1, 2, 3, 7])(
    'retries %i lost races and records exactly one event, counting the conflicts',
    async (n) => {
      const { inner, store, deps, calls } = setup(times(n, 'rival'));
      const result = await recordDeposit(deps, input());
      expect(result.kind).toBe('recorded');
      if (result.kind !== 'recorded') return;
      expect(result.conflicts).toBe(n);
      const [event] = result.events;
      expect(ours(inner)).toEqual([expect.objectContaining({ lane: event?.lane, version: event?.version })]);
      // The response was built for the slot actually taken, not the one first tried.
      expect(result.response.body).toBe(
        `{"lane":${event?.lane},"version":${event?.version},"eventId":"id-1"}`,
      );
      expect(inner.storedEvents('w1')).toHaveLength(n + 1);
      expect(store.appends).toHaveLength(n + 1);
      // One time and one id for the command, however many attempts it takes.
      expect(calls()).toEqual({ clock: 1, ids: 1 });
    },
  );

  it('moves a writer new to the wallet to a hot lane at its first loss, opening one the registry does not name without a read', async () => {
    const { store, deps, sleeps } = setup(times(2, 'rival'), { random: () => 0.25 });
    const result = await recordDeposit(deps, input());
    expect(store.appends.map((request) => [request.lane, request.expected.version])).toEqual([
      [0, 0],
      // a hot lane the registry did not name: HOT_LANES_FROM … LANES_MAX − 1 (32 + ⌊0.25 · 32⌋ = 40)
      [HOT_LANES_FROM + Math.floor(0.25 * (LANES_MAX - HOT_LANES_FROM)), 0],
      // claimed there first (another writer moved there): the refusal names the registered
      // lanes, so at once (no pause) to one still free (40 is taken now)
      [HOT_LANES_FROM + Math.floor(0.25 * (LANES_MAX - HOT_LANES_FROM - 1)), 0],
    ]);
    // Only the start read lane 0's head; both moves knew their lane empty.
    expect(store.headReads).toEqual([0]);
    expect(sleeps).toEqual([0.25 * 2]);
    expect(result).toMatchObject({ kind: 'recorded', conflicts: 2 });
  });

  it('keeps a writer new to a wallet without hot lanes in lane 0 after one loss: a light collision opens no shard', async () => {
    const { inner, store, deps } = setup(times(1, 'rival'));
    await inner.append({
      walletId: 'w1',
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [oneDeposit('old-1')],
    });
    const result = await recordDeposit(deps, input());
    expect(store.appends.map((request) => [request.lane, request.expected.version])).toEqual([
      [0, 1],
      [0, 2],
    ]);
    expect(result).toMatchObject({ kind: 'recorded', conflicts: 1 });
  });

  it('moves a writer new to a wallet with hot lanes at its first loss, to a lane the registry does not name', async () => {
    const { inner, store, deps } = setup(times(1, 'rival'), { random: () => 0 });
    await inner.append({
      walletId: 'w1',
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [oneDeposit('old-1')],
    });
    await inner.append({
      walletId: 'w1',
      lane: HOT_LANES_FROM,
      expected: { version: 0, hash: '' },
      events: [oneDeposit('old-2')],
    });
    const result = await recordDeposit(deps, input());
    expect(store.appends.map((request) => [request.lane, request.expected.version])).toEqual([
      [0, 1],
      // random 0 picks the first free hot lane: HOT_LANES_FROM is registered, so the next one
      [HOT_LANES_FROM + 1, 0],
    ]);
    expect(store.headReads).toEqual([0]);
    expect(result).toMatchObject({ kind: 'recorded', conflicts: 1 });
  });

  it('follows the winner after a first loss when it had a lane of its own, and moves after a second', async () => {
    const faults: Fault[] = [];
    const { store, deps, sleeps } = setup(faults, { random: () => 0.25 });
    await recordDeposit(deps, input());
    faults.push(...times<Fault>(2, 'rival'));
    const result = await recordDeposit(deps, input({ walletId: 'w1' }));
    expect(store.appends.map((request) => [request.lane, request.expected.version])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      // a hot lane: HOT_LANES_FROM … LANES_MAX − 1 (32 + ⌊0.25 · 32⌋ = 40), its head read
      [HOT_LANES_FROM + Math.floor(0.25 * (LANES_MAX - HOT_LANES_FROM)), 0],
    ]);
    expect(store.headReads).toEqual([0, HOT_LANES_FROM + Math.floor(0.25 * (LANES_MAX - HOT_LANES_FROM))]);
    expect(sleeps).toEqual([0.25 * 4]); // only the second loss in a row waits: ceiling 2 · 2¹
    expect(result).toMatchObject({ kind: 'recorded', conflicts: 2 });
  });

  it('re-reads the head in the same lane when the winner is older than the deposit (a stale head, not a race)', async () => {
    const { store, deps, sleeps } = setup(times(3, 'old-rival'));
    const result = await recordDeposit(deps, input());
    expect(store.appends.map((request) => [request.lane, request.expected.version])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 3],
    ]);
    expect(sleeps).toEqual([]);
    expect(result).toMatchObject({ kind: 'recorded', conflicts: 3 });
  });

  it('retries transaction conflicts (nothing written) and records once', async () => {
    const { inner, deps } = setup(times(2, 'transaction-conflict'));
    const result = await recordDeposit(deps, input());
    expect(result).toMatchObject({ kind: 'recorded', conflicts: 2 });
    expect(inner.storedEvents('w1')).toHaveLength(1);
  });

  it('gives up as contended after attemptsMax lost races, writing none of its events', async () => {
    const { inner, store, deps } = setup(times(20, 'rival'), { attemptsMax: 4 });
    const result = await recordDeposit(deps, input());
    expect(result).toEqual({ kind: 'contended', conflicts: 4 });
    expect(store.appends).toHaveLength(4);
    expect(inner.storedEvents('w1').map((event) => event.eventId)).toEqual(times(4, 'rival'));
  });

  it('gives up as contended with a key when no record of it exists', async () => {
    const { inner, deps } = setup(times(20, 'transaction-conflict'), { attemptsMax: 3 });
    const result = await recordDeposit(deps, input({ idempotency: KEY }));
    expect(result).toEqual({ kind: 'contended', conflicts: 3 });
    expect(inner.eventCount()).toBe(0);
    await expect(inner.findIdempotency('k1')).resolves.toBeUndefined();
  });

  it('replays the twin that already committed with the same key and payload', async () => {
    const { inner, deps } = setup(['twin']);
    const result = await recordDeposit(deps, input({ idempotency: KEY }));
    expect(result).toEqual({ kind: 'replayed', response: { statusCode: 201, body: 'twin' } });
    expect(inner.storedEvents('w1').map((event) => event.eventId)).toEqual(['twin-event']);
  });

  it('refuses a key already used with another payload, writing nothing', async () => {
    const { inner, deps } = setup(['twin-other-payload']);
    const result = await recordDeposit(deps, input({ idempotency: KEY }));
    expect(result).toEqual({ kind: 'key-reused' });
    expect(inner.storedEvents('w1').map((event) => event.eventId)).toEqual(['twin-event']);
  });

  it('finds the committed twin after the retries run out and replays it', async () => {
    const { inner, deps } = setup(['twin-then-conflict', ...times(3, 'transaction-conflict' as const)], {
      attemptsMax: 4,
    });
    const result = await recordDeposit(deps, input({ idempotency: KEY }));
    expect(result).toEqual({ kind: 'replayed', response: { statusCode: 201, body: 'twin' } });
    expect(inner.eventCount()).toBe(1);
  });

  it('lets a throttling error propagate at once: no retry, no sleep, nothing written', async () => {
    const { inner, store, deps, sleeps } = setup(['throttle']);
    await expect(recordDeposit(deps, input({ idempotency: KEY }))).rejects.toBe(store.throttled);
    expect(store.appends).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(inner.eventCount()).toBe(0);
    await expect(inner.findIdempotency('k1')).resolves.toBeUndefined();
  });

  it('sleeps with full jitter under an exponential ceiling capped at backoffCapMs', async () => {
    const ceilings = [2, 4, 8, 16, 32, 64, 80, 80, 80];
    const random = 0.999_999;
    const atMax = setup(times(10, 'transaction-conflict'), { random: () => random });
    await recordDeposit(atMax.deps, input());
    // Without a winner to follow, every loss waits. The first attemptsMax − 1 sleeps sit on the
    // ceilings; a sleep after the last attempt is not pinned here (it would only delay the answer).
    expect(atMax.sleeps.slice(0, 9)).toEqual(ceilings.map((ceiling) => random * ceiling));
    expect(atMax.sleeps.length).toBeLessThanOrEqual(10);

    const atZero = setup(times(10, 'transaction-conflict'), { random: () => 0 });
    await recordDeposit(atZero.deps, input());
    expect(atZero.sleeps.length).toBeGreaterThan(0);
    expect(atZero.sleeps.every((ms) => ms === 0)).toBe(true);
  });

  it('keeps every sleep under its ceiling and the total under attemptsMax × backoffCapMs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(fc.constantFrom<Fault>('rival', 'transaction-conflict'), { maxLength: 30 }),
        async (randoms, faults) => {
          let next = 0;
          const random = () => randoms[next++ % randoms.length] ?? 0;
          const { store, deps, sleeps } = setup(faults, { attemptsMax: 12, random });
          const result = await recordDeposit(deps, input());
          expect(sleeps.length).toBeLessThanOrEqual(12);
          for (const ms of sleeps) expect(ms >= 0 && ms < 80).toBe(true);
          expect(sleeps.reduce((total, ms) => total + ms, 0)).toBeLessThan(12 * 80);
          // Lane choices stay in range (the store refuses others) and always move somewhere else.
          for (const [index, request] of store.appends.entries()) {
            expect(request.lane >= 0 && request.lane < LANES_MAX).toBe(true);
            const before = store.appends[index - 1];
            if (before !== undefined && request.expected.version === 0 && request.lane !== 0) {
              expect(request.lane).not.toBe(before.lane);
            }
          }
          expect(result.kind).toBe(faults.length < 12 ? 'recorded' : 'contended');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('appends without a read when the head cache knows the head, and remembers the new head', async () => {
    const { store, deps } = setup([]);
    await recordDeposit(deps, input());
    expect(store.headReads).toEqual([0]);
    const second = await recordDeposit(deps, input());
    expect(store.headReads).toEqual([0]);
    expect(second.kind === 'recorded' && second.events[0]?.version).toBe(2);
    expect(deps.heads.get('w1')).toMatchObject({ lane: 0, head: { version: 2 } });
  });

  it('recovers from a stale cached head on an uncontended wallet within three attempts', async () => {
    // Another instance wrote 10 deposits; this instance last saw version 1 of lane 0.
    const { inner, store, deps } = setup([], { attemptsMax: 3 });
    for (let version = 0; version < 10; version++) {
      await inner.append({
        walletId: 'w1',
        lane: 0,
        expected: await inner.head('w1', 0),
        events: [
          {
            type: 'Deposited',
            data: { amountMinor: 1n, occurredAtMs: 0 },
            eventId: `other-${version}`,
            recordedAtMs: 0,
          },
        ],
      });
    }
    const stale = inner.storedEvents('w1')[0];
    if (stale === undefined) throw new Error('fixture');
    deps.heads.remember('w1', { lane: 0, head: { version: stale.version, hash: stale.hash } });

    const result = await recordDeposit(deps, input());
    expect(result.kind).toBe('recorded');
    expect(store.appends.length).toBeLessThanOrEqual(3);
    expect(ours(inner)).toHaveLength(1);
  });
});
