import { describe, expect, it } from 'vitest';
import { fanOut } from '#app/publish.ts';
import { publishStoredEvents, publishStreamBatch } from '#app/publish-stream.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import type { EventStore, NewEvent } from '#ports/event-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { awarded, deposited, factRecorded, published, RecordingBus } from './fixtures.ts';

async function storeWith(...events: RecordedEvent[]): Promise<InMemoryEventStore> {
  const store = new InMemoryEventStore({ pageSize: 2 });
  for (const event of events) {
    const { walletId, lane, version: _version, ...rest } = event;
    await store.append({
      walletId,
      lane,
      expected: await store.head(walletId, lane),
      events: [rest as NewEvent],
    });
  }
  return store;
}

const key = (walletId: string, version: number, lane = 0) => ({ walletId, lane, version });

describe('publishing stored events named by stream keys', () => {
  it('reads each named event and publishes its CloudEvent once, in log order', async () => {
    const store = await storeWith(deposited('w1', 1, 100n), awarded('w1', 2, 5n), deposited('w2', 1, 7n));
    const bus = new RecordingBus();
    const outcome = await publishStoredEvents({ events: store, bus, source: 'tally/test' }, [
      key('w2', 1),
      key('w1', 2),
      key('w1', 1),
      key('w1', 2), // a duplicate record in the batch
    ]);
    expect(outcome).toEqual({ failed: [], rejected: [], published: 3 });
    expect(bus.calls).toHaveLength(1);
    expect(bus.ids).toEqual(['e-w1-1', 'e-w1-2', 'e-w2-1']);
  });

  it('succeeds without publishing for event types that are not published', async () => {
    const store = await storeWith(factRecorded('w1', 1));
    const bus = new RecordingBus();
    const outcome = await publishStoredEvents({ events: store, bus, source: 's' }, [key('w1', 1)]);
    expect(outcome).toEqual({ failed: [], rejected: [], published: 0 });
    expect(bus.calls).toHaveLength(0);
  });

  it('returns the keys whose events the bus failed; non-retryable ones as rejected', async () => {
    const store = await storeWith(deposited('w1', 1, 1n), deposited('w1', 2, 2n), deposited('w1', 3, 3n));
    const bus = new RecordingBus();
    bus.failing.set('e-w1-2', { code: 'ThrottlingException', message: 'slow down', retryable: true });
    bus.failing.set('e-w1-3', { code: 'EntryTooLarge', message: 'big', retryable: false });
    const outcome = await publishStoredEvents(
      { events: store, bus, source: 's' },
      [1, 2, 3].map((v) => key('w1', v)),
    );
    expect(outcome.failed).toEqual([key('w1', 2)]);
    expect(outcome.rejected).toEqual([
      { ...key('w1', 3), failure: expect.objectContaining({ code: 'EntryTooLarge' }) },
    ]);
    expect(outcome.published).toBe(1);
  });

  it('fails a key the store does not have (yet), and only the lane whose read failed (a store without readEvents)', async () => {
    const store = await storeWith(deposited('w1', 1, 1n), deposited('w2', 1, 2n));
    const flaky: EventStore = Object.create(store);
    flaky.readEvents = undefined;
    flaky.read = (walletId, lane, range) => {
      if (walletId === 'w2') throw new Error('store down');
      return store.read(walletId, lane, range);
    };
    const bus = new RecordingBus();
    const outcome = await publishStoredEvents({ events: flaky, bus, source: 's' }, [
      key('w1', 1),
      key('w1', 9),
      key('w2', 1),
    ]);
    expect(outcome.failed).toEqual(expect.arrayContaining([key('w1', 9), key('w2', 1)]));
    expect(outcome.failed).toHaveLength(2);
    expect(bus.ids).toEqual(['e-w1-1']);
  });

  it('reads the whole batch by key in one readEvents: a missing key fails alone, a failed read fails the batch', async () => {
    const store = await storeWith(deposited('w1', 1, 1n), deposited('w2', 1, 2n));
    const counting: EventStore = Object.create(store);
    let reads = 0;
    counting.read = () => {
      throw new Error('no ranged reads where the store reads by key');
    };
    counting.readEvents = (refs) => {
      reads++;
      return store.readEvents?.(refs) ?? Promise.resolve([]);
    };
    const bus = new RecordingBus();
    const keys = [key('w1', 1), key('w1', 9), key('w2', 1)];
    const outcome = await publishStoredEvents({ events: counting, bus, source: 's' }, keys);
    expect(reads).toBe(1);
    expect(outcome.failed).toEqual([key('w1', 9)]);
    expect(bus.ids).toEqual(['e-w1-1', 'e-w2-1']);

    counting.readEvents = async () => {
      throw new Error('store down');
    };
    const down = await publishStoredEvents({ events: counting, bus: new RecordingBus(), source: 's' }, keys);
    expect(down.failed).toEqual(expect.arrayContaining(keys));
    expect(down.failed).toHaveLength(3);
    expect(down.published).toBe(0);
  });

  it('answers a partial batch response naming the records of failed keys', async () => {
    const store = await storeWith(deposited('w1', 1, 1n), deposited('w1', 2, 2n));
    const bus = new RecordingBus();
    bus.failing.set('e-w1-2', { code: 'InternalFailure', message: 'x', retryable: true });
    const response = await publishStreamBatch({ events: store, bus, source: 's' }, [
      { itemIdentifier: '100', key: key('w1', 1) },
      { itemIdentifier: '101', key: undefined }, // not an event item
      { itemIdentifier: '102', key: key('w1', 2) },
    ]);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '102' }]);
  });
});

describe('fanOut', () => {
  it('sends each bus what it accepts and fails an event that any bus failed, retryable first', async () => {
    const everything = new RecordingBus();
    const decisions = new RecordingBus();
    everything.failing.set('b', { code: 'TooLarge', message: '', retryable: false });
    decisions.failing.set('b', { code: 'Down', message: '', retryable: true });
    const bus = fanOut([
      { bus: everything },
      { bus: decisions, accepts: (event) => event.subject === 'acct' },
    ]);
    const outcome = await bus.publish([published('a', 'w1'), published('b', 'acct')]);
    expect(everything.ids).toEqual(['a', 'b']);
    expect(decisions.ids).toEqual(['b']);
    expect(outcome.failed).toEqual([{ id: 'b', code: 'Down', message: '', retryable: true }]);
  });
});
