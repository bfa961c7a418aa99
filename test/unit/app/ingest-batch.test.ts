import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CloudEvent } from '#app/cloud-event.ts';
import { scopedKey } from '#app/idempotency.ts';
import { type IngestSettled, ingestEvents } from '#app/ingest-batch.ts';
import { type BusHarness, busHarness, cloudEvent } from '../ingest/helpers.ts';

let bus: BusHarness;

beforeEach(() => {
  bus = busHarness();
});

const deposit = (id: string, subject: string, amount: string): CloudEvent =>
  cloudEvent({ id, subject, type: 'wallet.deposit', data: { amount } }) as unknown as CloudEvent;
const ingest = (events: CloudEvent[]) =>
  ingestEvents(
    bus.deps.ingest,
    events.map((event) => ({ event })),
  );
const kinds = (results: IngestSettled[]) =>
  results.map((result) => (result.ok ? result.outcome.kind : 'error'));
const payloadHash = (event: CloudEvent) =>
  bus.deps.ingest.hash(
    bus.deps.ingest.canonicalJson({
      source: event.source,
      type: event.type,
      subject: event.subject,
      time: event.time ?? null,
      data: event.data ?? null,
    }),
  );

describe('ingestEvents: a batch across wallets in as few transactions as fit', () => {
  it('appends 10 events of 4 wallets in one appendGroups call, each wallet in batch order, one key read for the batch', async () => {
    const appendGroups = vi.spyOn(bus.store, 'appendGroups');
    const append = vi.spyOn(bus.store, 'append');
    const findOne = vi.spyOn(bus.store, 'findIdempotency');
    const findMany = vi.spyOn(bus.store, 'findIdempotencies');
    const events = Array.from({ length: 10 }, (_, i) => deposit(`d-${i}`, `w-${i % 4}`, `${i + 1}.00`));
    const results = await ingest(events);

    expect(kinds(results)).toEqual(Array(10).fill('recorded'));
    expect(appendGroups).toHaveBeenCalledTimes(1);
    expect(appendGroups.mock.calls[0]?.[0].map((group) => group.walletId)).toEqual([
      'w-0',
      'w-1',
      'w-2',
      'w-3',
    ]);
    expect(append).not.toHaveBeenCalled();
    expect(findOne).not.toHaveBeenCalled();
    expect(findMany).toHaveBeenCalledTimes(1);
    // w-1 got events 1, 5, 9: versions 1, 2, 3 in that order.
    expect(
      bus.store.storedEvents('w-1').map((e) => [e.version, e.type === 'Deposited' && e.data.factId]),
    ).toEqual([
      [1, 'd-1'],
      [2, 'd-5'],
      [3, 'd-9'],
    ]);
    expect((await bus.view('w-1')).balanceMinor).toBe(200n + 600n + 1_000n);
    for (const [i, event] of events.entries()) {
      const key = scopedKey('event', event.source, event.id);
      const record = await bus.store.findIdempotency(key);
      const result = results[i];
      expect(result?.ok && result.outcome.kind === 'recorded' && result.outcome.response).toEqual(
        record?.response,
      );
    }
    for (const walletId of ['w-0', 'w-1', 'w-2', 'w-3'])
      expect(await bus.store.verify(walletId)).toMatchObject({ ok: true });
  });

  it('a redelivered event, a twin in the batch and a reused id fail alone; the others are written once', async () => {
    const old = deposit('old', 'w-a', '5.00');
    expect(kinds(await ingest([old, deposit('seed', 'w-b', '1.00')]))).toEqual(['recorded', 'recorded']);
    const results = await ingest([
      deposit('n-1', 'w-a', '1.00'),
      old,
      deposit('n-2', 'w-c', '2.00'),
      deposit('n-1', 'w-a', '1.00'),
      deposit('old', 'w-a', '9.00'),
      deposit('n-3', 'w-b', '3.00'),
    ]);
    expect(kinds(results)).toEqual([
      'recorded',
      'replayed',
      'recorded',
      'replayed',
      'key-reused',
      'recorded',
    ]);
    expect((await bus.view('w-a')).balanceMinor).toBe(600n);
    expect((await bus.view('w-b')).balanceMinor).toBe(400n);
    expect((await bus.view('w-c')).balanceMinor).toBe(200n);
  });

  it("a group whose head another writer moved is taken event by event; the batch's other groups are not held back", async () => {
    await ingest([deposit('a-0', 'w-a', '1.00'), deposit('b-0', 'w-b', '1.00')]);
    // Another instance writes to w-a: this instance's cached head for it is now stale.
    await bus.store.append({
      walletId: 'w-a',
      lane: 0,
      expected: await bus.store.head('w-a', 0),
      events: [
        { type: 'Deposited', data: { amountMinor: 7n, occurredAtMs: 1 }, eventId: 'other', recordedAtMs: 1 },
      ],
    });
    const appendGroups = vi.spyOn(bus.store, 'appendGroups');
    const results = await ingest([deposit('a-1', 'w-a', '1.00'), deposit('b-1', 'w-b', '1.00')]);
    expect(kinds(results)).toEqual(['recorded', 'recorded']);
    const [groupResults] = await Promise.all(appendGroups.mock.results.map((result) => result.value));
    expect(groupResults.map((result: { kind: string }) => result.kind)).toEqual(['failed', 'appended']);
    expect((await bus.view('w-a')).balanceMinor).toBe(207n);
    expect(await bus.store.verify('w-a')).toMatchObject({ ok: true });
  });

  it('answers an event whose legacy (unscoped) key took effect from that record, read in the batch look-up', async () => {
    const legacy = deposit('legacy-1', 'w-l', '3.00');
    await bus.store.append({
      walletId: 'w-l',
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [
        { type: 'Deposited', data: { amountMinor: 300n, occurredAtMs: 1 }, eventId: 'l', recordedAtMs: 1 },
      ],
      idempotency: {
        key: 'legacy-1',
        payloadHash: payloadHash(legacy),
        response: { statusCode: 202, body: 'then' },
      },
    });
    const findOne = vi.spyOn(bus.store, 'findIdempotency');
    const results = await ingest([legacy, deposit('new-1', 'w-l', '1.00')]);
    expect(kinds(results)).toEqual(['replayed', 'recorded']);
    expect(results[0]?.ok && results[0].outcome).toEqual({
      kind: 'replayed',
      response: { statusCode: 202, body: 'then' },
    });
    expect(findOne).not.toHaveBeenCalled();
    expect((await bus.view('w-l')).balanceMinor).toBe(400n);
    // A batch of one takes the one-event path, which reads the legacy key itself.
    expect(kinds(await ingest([legacy]))).toEqual(['replayed']);
    expect((await bus.view('w-l')).balanceMinor).toBe(400n);
  });
});
