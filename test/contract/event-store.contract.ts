import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventHash } from '#adapters/dynamodb/event-hash.ts';
import { readAll, readWallet } from '#app/read-events.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import {
  type AppendOutcome,
  type AppendRequest,
  type EventStore,
  type NewEvent,
  type StoredResponse,
  type StreamHead,
  VersionConflictError,
} from '#ports/event-store.ts';

/**
 * The EventStore port's behaviour, written once and run against every implementation: the
 * in-memory store the unit tests build on (test/unit/support) and the DynamoDB adapter on
 * DynamoDB Local (test/integration). If the fake passes what the real store passes, tests built
 * on the fake say something about production.
 *
 * Stores may be shared between tests (one DynamoDB table per file): every test uses wallets and
 * idempotency keys of its own.
 */
export interface EventStoreContractOptions {
  /** A store to run one test against (a fresh one, or a shared one: see above). */
  store: () => EventStore | Promise<EventStore>;
  /** How many events the store reads per page, so the paging tests span several pages. */
  pageSize: number;
}

/** As many events as one append may carry (DynamoDB's 100 items less the key and the lane registration). */
export const EVENTS_PER_APPEND_MAX = 98;
const EMPTY: StreamHead = { version: 0, hash: '' };
const RESPONSE: StoredResponse = { statusCode: 201, body: '{"version":1,"note":"original"}' };

/** A RecordedEvent as the port defines it: a store may hand back storage fields too (DynamoDB's hashes). */
function plain(event: RecordedEvent & { hash?: string; prevHash?: string }): RecordedEvent {
  const { hash: _hash, prevHash: _prevHash, ...recorded } = event;
  return recorded;
}

const versionsOf = (events: readonly RecordedEvent[]) => events.map((event) => event.version);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the promise to reject');
    },
    (error: unknown) => error,
  );
}

export function eventStoreContract(name: string, options: EventStoreContractOptions): void {
  const run = randomUUID().slice(0, 8);
  let counter = 0;
  const unique = (what: string): string => `${what}-${run}-${++counter}`;
  const event = (amountMinor: bigint, eventId = unique('e'), atMs = 1_700_000_000_000): NewEvent => ({
    type: 'Deposited',
    data: { amountMinor, occurredAtMs: atMs },
    eventId,
    recordedAtMs: atMs + 7,
  });
  const appended = async (store: EventStore, request: AppendRequest) => {
    const outcome = await store.append(request);
    if (outcome.kind !== 'appended') throw new Error(`expected appended, got ${outcome.kind}`);
    return outcome;
  };
  /** Everything a reader can see of a wallet: its lanes, each lane's head and events. */
  const snapshot = async (store: EventStore, walletId: string) => {
    const lanes = await store.lanes(walletId);
    const perLane = await Promise.all(
      lanes.map(async (lane) => ({
        lane,
        head: await store.head(walletId, lane),
        events: (await readAll(store, walletId, lane)).map(plain),
      })),
    );
    return { lanes, perLane };
  };

  describe(`EventStore contract: ${name}`, () => {
    describe('a wallet without events', () => {
      it('has head version 0 with an empty hash, lane 0 only, no pages, and verifies as empty', async () => {
        const store = await options.store();
        const walletId = unique('none');
        expect(await store.head(walletId, 0)).toEqual(EMPTY);
        expect(await store.head(walletId, 5)).toEqual(EMPTY);
        expect(await store.lanes(walletId)).toEqual([0]);
        const pages: RecordedEvent[][] = [];
        for await (const page of store.read(walletId, 0)) pages.push(page);
        expect(pages).toEqual([]);
        expect(await readWallet(store, walletId)).toEqual([]);
        expect(await store.findIdempotency(unique('no-key'))).toBeUndefined();
        expect(await store.verify(walletId)).toEqual({ ok: true, lanes: 1, events: 0 });
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('append with an expected version', () => {
      it('appends at version 1, 2, …; answers the events and the head; reads give them back exactly', async () => {
        const store = await options.store();
        const walletId = unique('append');
        const small = event(1n);
        const first = await appended(store, { walletId, lane: 0, expected: EMPTY, events: [small] });
        expect(first.events).toEqual([{ ...small, walletId, lane: 0, version: 1 }]);
        expect(first.head.version).toBe(1);
        expect(first.head.hash).toMatch(/^[0-9a-f]{64}$/);
        expect(await store.head(walletId, 0)).toEqual(first.head);

        // Beyond 2^53 and up to DynamoDB's 38 significant digits: exact, as bigints.
        const huge = [9_007_199_254_740_993n, 12_345_678_901_234_567_890_123_456_789_012_345_678n];
        const second = await appended(store, {
          walletId,
          lane: 0,
          expected: first.head,
          events: huge.map((amountMinor) => event(amountMinor)),
        });
        expect(versionsOf(second.events)).toEqual([2, 3]);
        expect(second.head.version).toBe(3);
        expect(await store.head(walletId, 0)).toEqual(second.head);
        const read = (await readAll(store, walletId, 0)).map(plain);
        expect(read).toEqual([...first.events, ...second.events]);
        expect(read.map((e) => (e.type === 'Deposited' ? e.data.amountMinor : 0n))).toEqual([1n, ...huge]);
        expect(await store.verify(walletId)).toEqual({ ok: true, lanes: 1, events: 3 });
      });

      it('chains hashes: each head is the hash of its event over the one before (eventHash)', async () => {
        const store = await options.store();
        const walletId = unique('chain');
        const first = await appended(store, {
          walletId,
          lane: 0,
          expected: EMPTY,
          events: [event(10n), event(20n)],
        });
        const second = await appended(store, {
          walletId,
          lane: 0,
          expected: first.head,
          events: [event(30n)],
        });
        let prevHash = '';
        const heads: string[] = [];
        for (const recorded of (await readAll(store, walletId, 0)).map(plain)) {
          prevHash = eventHash(prevHash, recorded);
          heads.push(prevHash);
        }
        expect(heads[1]).toBe(first.head.hash);
        expect(heads[2]).toBe(second.head.hash);
        expect(new Set(heads).size).toBe(3);
      });

      it('refuses a taken version with VersionConflictError version-taken naming the winner; writes nothing', async () => {
        const store = await options.store();
        const walletId = unique('race');
        const winner = await appended(store, { walletId, lane: 0, expected: EMPTY, events: [event(5n)] });
        const before = await snapshot(store, walletId);

        const error = await rejection(
          store.append({ walletId, lane: 0, expected: EMPTY, events: [event(6n), event(7n)] }),
        );
        expect(error).toBeInstanceOf(VersionConflictError);
        expect(error).toMatchObject({
          reason: 'version-taken',
          walletId,
          lane: 0,
          expectedVersion: 0,
          taken: { ...winner.head, recordedAtMs: winner.events[0]?.recordedAtMs },
        });
        expect(await snapshot(store, walletId)).toEqual(before);

        // Retrying after `taken`, without a read, continues the chain.
        const taken = (error as VersionConflictError).taken ?? EMPTY;
        const retry = await appended(store, { walletId, lane: 0, expected: taken, events: [event(6n)] });
        expect(retry.head.version).toBe(2);
        expect(await store.verify(walletId)).toEqual({ ok: true, lanes: 1, events: 2 });
      });

      it('writes all events of an append or none (a taken first slot writes none, nor its key)', async () => {
        const store = await options.store();
        const walletId = unique('atomic');
        const three = await appended(store, {
          walletId,
          lane: 0,
          expected: EMPTY,
          events: [event(1n), event(1n), event(1n)],
        });
        const key = unique('key');
        await expect(
          store.append({
            walletId,
            lane: 0,
            expected: { version: 2, hash: 'stale' },
            events: [event(5n), event(6n), event(7n)],
            idempotency: { key, payloadHash: 'x', response: RESPONSE },
          }),
        ).rejects.toBeInstanceOf(VersionConflictError);
        expect(await store.findIdempotency(key)).toBeUndefined();
        expect(await store.head(walletId, 0)).toEqual(three.head);
        expect(versionsOf(await readAll(store, walletId, 0))).toEqual([1, 2, 3]);
      });

      it('refuses appends outside its limits before writing (0 or 99 events, lanes −1 and 32)', async () => {
        const store = await options.store();
        const walletId = unique('limits');
        const one = [event(1n)];
        await expect(store.append({ walletId, lane: 0, expected: EMPTY, events: [] })).rejects.toThrow(
          /1 to 98/,
        );
        const tooMany = Array.from({ length: EVENTS_PER_APPEND_MAX + 1 }, () => event(1n));
        await expect(store.append({ walletId, lane: 0, expected: EMPTY, events: tooMany })).rejects.toThrow(
          /1 to 98/,
        );
        await expect(store.append({ walletId, lane: 32, expected: EMPTY, events: one })).rejects.toThrow(
          /no lane 32/,
        );
        await expect(store.append({ walletId, lane: -1, expected: EMPTY, events: one })).rejects.toThrow(
          /no lane -1/,
        );
        expect(await snapshot(store, walletId)).toEqual({
          lanes: [0],
          perLane: [{ lane: 0, head: EMPTY, events: [] }],
        });
        // 98 is allowed.
        const full = Array.from({ length: EVENTS_PER_APPEND_MAX }, () => event(1n));
        expect(
          (await appended(store, { walletId, lane: 0, expected: EMPTY, events: full })).head.version,
        ).toBe(98);
      });
    });

    describe('the idempotency record, in the same transaction as the events', () => {
      it('same key and payload: duplicate with the original record, at the head, at a stale head, in another lane', async () => {
        const store = await options.store();
        const walletId = unique('dup');
        const key = unique('key');
        const first = await appended(store, {
          walletId,
          lane: 0,
          expected: EMPTY,
          events: [event(100n, 'dup-1', 1_700_000_000_000)],
          idempotency: { key, payloadHash: 'hash-A', response: RESPONSE },
        });
        expect(first.events[0]?.idempotencyKey).toBe(key);
        const record = await store.findIdempotency(key);
        expect(record).toEqual({
          key,
          payloadHash: 'hash-A',
          walletId,
          versions: [1],
          eventIds: ['dup-1'],
          response: RESPONSE,
          recordedAtMs: 1_700_000_000_007,
        });
        const before = await snapshot(store, walletId);

        const again = (expected: StreamHead, lane = 0): Promise<AppendOutcome> =>
          store.append({
            walletId,
            lane,
            expected,
            events: [event(100n)],
            idempotency: { key, payloadHash: 'hash-A', response: { statusCode: 201, body: 'other' } },
          });
        expect(await again(first.head)).toEqual({ kind: 'duplicate', record });
        expect(await again(EMPTY)).toEqual({ kind: 'duplicate', record });
        expect(await again(EMPTY, 4)).toEqual({ kind: 'duplicate', record });

        expect(await snapshot(store, walletId)).toEqual(before);
        expect(await store.findIdempotency(key)).toEqual(record);
        expect((await readAll(store, walletId, 0)).map((e) => e.idempotencyKey)).toEqual([key]);
      });

      it('same key, other payload: key-reused with the original record; nothing written, in any wallet', async () => {
        const store = await options.store();
        const walletId = unique('reuse');
        const key = unique('key');
        const first = await appended(store, {
          walletId,
          lane: 0,
          expected: EMPTY,
          events: [event(100n)],
          idempotency: { key, payloadHash: 'hash-A', response: RESPONSE },
        });
        const record = await store.findIdempotency(key);
        const before = await snapshot(store, walletId);
        const outcome = await store.append({
          walletId,
          lane: 0,
          expected: first.head,
          events: [event(999n)],
          idempotency: { key, payloadHash: 'hash-B', response: { statusCode: 201, body: 'B' } },
        });
        expect(outcome).toEqual({ kind: 'key-reused', record });
        expect(await snapshot(store, walletId)).toEqual(before);
        expect(await store.findIdempotency(key)).toEqual(record);

        // Keys are global: the same key for another wallet is refused there too.
        const otherWallet = unique('reuse-other');
        const elsewhere = await store.append({
          walletId: otherWallet,
          lane: 0,
          expected: EMPTY,
          events: [event(1n)],
          idempotency: { key, payloadHash: 'hash-B', response: RESPONSE },
        });
        expect(elsewhere).toEqual({ kind: 'key-reused', record });
        expect(await store.head(otherWallet, 0)).toEqual(EMPTY);
      });

      it('a lost version race leaves the key free; the retry at the right head takes it with its event', async () => {
        const store = await options.store();
        const walletId = unique('key-race');
        const winner = await appended(store, { walletId, lane: 0, expected: EMPTY, events: [event(1n)] });
        const key = unique('key');
        const request = (expected: StreamHead): AppendRequest => ({
          walletId,
          lane: 0,
          expected,
          events: [event(2n, 'key-race-2')],
          idempotency: { key, payloadHash: 'hash-A', response: RESPONSE },
        });
        await expect(store.append(request(EMPTY))).rejects.toMatchObject({
          reason: 'version-taken',
          taken: winner.head,
        });
        expect(await store.findIdempotency(key)).toBeUndefined();
        const retry = await appended(store, request(winner.head));
        expect(retry.head.version).toBe(2);
        expect(await store.findIdempotency(key)).toMatchObject({ versions: [2], eventIds: ['key-race-2'] });
      });
    });

    describe('lanes', () => {
      it('opens a lane on its version 1; lists lanes ascending; reads, heads and chains are per lane', async () => {
        const store = await options.store();
        const walletId = unique('lanes');
        const lane0 = await appended(store, {
          walletId,
          lane: 0,
          expected: EMPTY,
          events: [event(1n, 'l0-1'), event(2n, 'l0-2')],
        });
        expect(await store.lanes(walletId)).toEqual([0]);
        const lane3 = await appended(store, {
          walletId,
          lane: 3,
          expected: EMPTY,
          events: [event(30n, 'l3-1')],
        });
        expect(lane3.events[0]).toMatchObject({ lane: 3, version: 1 });
        expect(await store.lanes(walletId)).toEqual([0, 3]);
        const lane3b = await appended(store, {
          walletId,
          lane: 3,
          expected: lane3.head,
          events: [event(31n, 'l3-2')],
        });
        expect(await store.lanes(walletId)).toEqual([0, 3]);

        // A lost race to open lane 3 again changes nothing.
        await expect(
          store.append({ walletId, lane: 3, expected: EMPTY, events: [event(99n)] }),
        ).rejects.toMatchObject({ reason: 'version-taken', lane: 3, taken: lane3.head });
        expect(await store.lanes(walletId)).toEqual([0, 3]);

        await appended(store, { walletId, lane: 31, expected: EMPTY, events: [event(7n, 'l31-1')] });
        await appended(store, { walletId, lane: 1, expected: EMPTY, events: [event(8n, 'l1-1')] });
        expect(await store.lanes(walletId)).toEqual([0, 1, 3, 31]);

        const ids = async (lane: number) => (await readAll(store, walletId, lane)).map((e) => e.eventId);
        expect(await ids(0)).toEqual(['l0-1', 'l0-2']);
        expect(await ids(3)).toEqual(['l3-1', 'l3-2']);
        expect(await ids(2)).toEqual([]);
        expect(await store.head(walletId, 0)).toEqual(lane0.head);
        expect(await store.head(walletId, 3)).toEqual(lane3b.head);
        expect(await store.head(walletId, 2)).toEqual(EMPTY);
        expect(await store.verify(walletId)).toEqual({ ok: true, lanes: 4, events: 6 });

        // The whole log: lane by lane, each in version order (the store's own read, or lanes + read).
        const all = (await readWallet(store, walletId)).map((e) => `${e.lane}:${e.version}:${e.eventId}`);
        expect(all).toEqual(['0:1:l0-1', '0:2:l0-2', '1:1:l1-1', '3:1:l3-1', '3:2:l3-2', '31:1:l31-1']);
        if (store.readWallet !== undefined) {
          const laneByLane: RecordedEvent[] = [];
          for (const lane of await store.lanes(walletId))
            laneByLane.push(...(await readAll(store, walletId, lane)));
          expect((await store.readWallet(walletId)).map(plain)).toEqual(laneByLane.map(plain));
        }
      });
    });

    describe('reads in order, in pages', () => {
      it('yields complete, non-empty pages in version order; ranges cut exactly', async () => {
        const store = await options.store();
        const walletId = unique('pages');
        const total = 2 * options.pageSize + 3;
        let head = EMPTY;
        while (head.version < total) {
          const count = Math.min(EVENTS_PER_APPEND_MAX, total - head.version);
          const events = Array.from({ length: count }, (_, index) =>
            event(BigInt(head.version + index + 1), `p-${head.version + index + 1}`),
          );
          head = (await appended(store, { walletId, lane: 0, expected: head, events })).head;
        }
        const pages: RecordedEvent[][] = [];
        for await (const page of store.read(walletId, 0)) pages.push(page);
        expect(pages.length).toBeGreaterThanOrEqual(3);
        expect(pages.every((page) => page.length > 0 && page.length <= options.pageSize)).toBe(true);
        const span = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
        expect(versionsOf(pages.flat())).toEqual(span(1, total));
        expect(pages.flat().map((e) => e.eventId)).toEqual(span(1, total).map((n) => `p-${n}`));
        // The whole-log read pages through the same events.
        expect((await readWallet(store, walletId)).map(plain)).toEqual(pages.flat().map(plain));

        const range = async (fromVersion?: number, toVersion?: number) =>
          versionsOf(
            await readAll(store, walletId, 0, {
              ...(fromVersion === undefined ? {} : { fromVersion }),
              ...(toVersion === undefined ? {} : { toVersion }),
            }),
          );
        const page = options.pageSize;
        expect(await range(page - 1, page + 2)).toEqual(span(page - 1, page + 2));
        expect(await range(total - 2)).toEqual(span(total - 2, total));
        expect(await range(undefined, 3)).toEqual([1, 2, 3]);
        expect(await range(0, 2)).toEqual([1, 2]);
        expect(await range(page, page)).toEqual([page]);
        expect(await range(total + 1)).toEqual([]);
        expect(await range(10, 9)).toEqual([]);

        // A range across a page boundary comes in more than one page, each in order.
        const rangePages: number[][] = [];
        for await (const part of store.read(walletId, 0, { fromVersion: 2, toVersion: total - 1 })) {
          rangePages.push(versionsOf(part));
        }
        expect(rangePages.length).toBeGreaterThanOrEqual(2);
        expect(rangePages.flat()).toEqual(span(2, total - 1));
      }, 60_000);
    });

    describe('walletIds', () => {
      it('lists every wallet with a lane-0 event exactly once across segments, page by page', async () => {
        const store = await options.store();
        const mine = Array.from({ length: 7 }, () => unique('listed'));
        for (const walletId of mine) {
          await appended(store, { walletId, lane: 0, expected: EMPTY, events: [event(1n)] });
          await appended(store, { walletId, lane: 2, expected: EMPTY, events: [event(1n)] });
        }
        // A wallet with events in another lane only is not one the jobs walk.
        const laneOnly = unique('lane-only');
        await appended(store, { walletId: laneOnly, lane: 5, expected: EMPTY, events: [event(1n)] });

        const segments = 3;
        const seen: string[] = [];
        for (let segment = 0; segment < segments; segment++) {
          let cursor: string | null = null;
          do {
            const page: { walletIds: string[]; nextCursor: string | null } = await store.walletIds({
              segment,
              segments,
              cursor,
            });
            seen.push(...page.walletIds);
            cursor = page.nextCursor;
          } while (cursor !== null);
        }
        expect(seen.filter((walletId) => mine.includes(walletId)).sort()).toEqual([...mine].sort());
        expect(seen).not.toContain(laneOnly);
        expect(new Set(seen).size).toBe(seen.length);
      });
    });
  });
}
