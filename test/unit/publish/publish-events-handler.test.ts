import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { storedEventKeyFromStreamKeys } from '#adapters/dynamodb/stream-keys.ts';
import { eventSk, walletPk } from '#adapters/dynamodb/table-layout/keys.ts';
import { makePublishEventsHandler } from '#handlers/publish-events.ts';
import type { NewEvent } from '#ports/event-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { deposited, RecordingBus } from './fixtures.ts';

const record = (sequenceNumber: string, pk: string, sk: string): DynamoDBRecord => ({
  eventName: 'INSERT',
  dynamodb: { SequenceNumber: sequenceNumber, Keys: { pk: { S: pk }, sk: { S: sk } } },
});

describe('stream keys → stored event keys', () => {
  it('reads wallet, lane and version from an event item key', () => {
    expect(storedEventKeyFromStreamKeys({ pk: { S: walletPk('w:1') }, sk: { S: eventSk(3, 42) } })).toEqual({
      walletId: 'w:1',
      lane: 3,
      version: 42,
    });
  });

  it('refuses other items and keys that are not exactly the store layout', () => {
    for (const keys of [
      { pk: { S: walletPk('w1') }, sk: { S: 'VIEW#WALLET' } },
      { pk: { S: 'IDEMPOTENCY#k' }, sk: { S: eventSk(0, 1) } },
      { pk: { S: walletPk('w1') }, sk: { S: 'EVENT#00#1' } },
      { pk: { N: '1' }, sk: { S: eventSk(0, 1) } },
      undefined,
    ]) {
      expect(storedEventKeyFromStreamKeys(keys)).toBeUndefined();
    }
  });
});

describe('publish-events handler', () => {
  it('publishes the events a stream batch names and reports the records to retry', async () => {
    const store = new InMemoryEventStore();
    for (const version of [1, 2]) {
      const { walletId, lane, version: _v, ...event } = deposited('w1', version, BigInt(version * 100));
      await store.append({
        walletId,
        lane,
        expected: await store.head(walletId, lane),
        events: [event as NewEvent],
      });
    }
    const bus = new RecordingBus();
    bus.failing.set('e-w1-2', { code: 'ThrottlingException', message: 'later', retryable: true });
    const handler = makePublishEventsHandler(async () => ({
      events: store,
      bus,
      source: 'tally/test',
      keyOf: storedEventKeyFromStreamKeys,
    }));
    const event: DynamoDBStreamEvent = {
      Records: [
        record('1', walletPk('w1'), eventSk(0, 1)),
        record('2', walletPk('w1'), 'LANES'),
        record('3', walletPk('w1'), eventSk(0, 2)),
      ],
    };
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: '3' }] });
    expect(bus.ids).toEqual(['e-w1-1', 'e-w1-2']);
    expect(JSON.parse(bus.calls[0]?.[0]?.dataJson ?? '{}')).toMatchObject({ amount: 1 });
  });
});
