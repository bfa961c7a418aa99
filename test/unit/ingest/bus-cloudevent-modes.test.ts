import type { SQSRecord } from 'aws-lambda';
import { CloudEvent, HTTP, Kafka } from 'cloudevents';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makeIngestKafkaHandler } from '#handlers/ingest-kafka.ts';
import { makeIngestQueueHandler } from '#handlers/ingest-queue.ts';
import {
  header,
  lambdaContext,
  mskEvent,
  mskRecord,
  sqsEvent,
  sqsRecord,
} from '../../fixtures/bus-events.ts';
import { type BusHarness, busHarness } from './helpers.ts';

/**
 * The CloudEvents modes on the buses, with the official `cloudevents` SDK writing the messages:
 * binary (attributes as SQS message attributes / Kafka `ce_` headers, data as the body), structured
 * and batch. Each event gets its own outcome; an invalid one is dead-lettered alone, with its reason.
 */

let bus: BusHarness;
beforeEach(() => {
  bus = busHarness();
});

const deposit = (id: string, amount: string, subject = 'w1') =>
  new CloudEvent({
    specversion: '1.0',
    id,
    source: 'bank-app',
    type: 'wallet.deposit',
    subject,
    time: '2026-11-22T09:59:00Z',
    datacontenttype: 'application/json',
    data: { amount },
  });

/** An SQS record with text message attributes, as the SQS event source delivers them. */
function withAttributes(record: SQSRecord, attributes: Record<string, string | undefined>): SQSRecord {
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    messageAttributes[name] = {
      dataType: 'String',
      stringValue: value,
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return { ...record, messageAttributes };
}

const sqs = async (records: SQSRecord[]) =>
  makeIngestQueueHandler(() => bus.deps)(sqsEvent(records), lambdaContext);

/** The SDK's Kafka message as an MSK record: header values as bytes, the value as a producer writes it. */
function fromKafka(message: { headers: Record<string, unknown>; value: unknown }, offset: number) {
  const headers = Object.entries(message.headers)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => header(name, String(value)));
  const value = typeof message.value === 'string' ? message.value : JSON.stringify(message.value);
  return mskRecord({ value, headers, offset });
}

const kafka = async (records: ReturnType<typeof mskRecord>[]) =>
  makeIngestKafkaHandler(() => bus.deps)(mskEvent(records), lambdaContext);

describe('SQS: binary, structured and batch modes', () => {
  it('lands each mode once, however often it is delivered', async () => {
    const binary = HTTP.binary(deposit('sqs-bin', '1.00'));
    const structured = HTTP.structured(deposit('sqs-str', '2.00'));
    const batchBody = JSON.stringify([deposit('sqs-b0', '4.00'), deposit('sqs-b1', '8.00')]);
    const records = () => [
      withAttributes(sqsRecord(String(binary.body)), binary.headers as Record<string, string>),
      withAttributes(sqsRecord(String(structured.body)), { 'content-type': 'application/cloudevents+json' }),
      withAttributes(sqsRecord(batchBody), { 'content-type': 'application/cloudevents-batch+json' }),
    ];
    expect((await sqs(records())).batchItemFailures).toEqual([]);
    expect((await sqs(records())).batchItemFailures).toEqual([]);

    expect((await bus.view('w1')).balanceMinor).toBe(1_500n);
    expect(bus.store.storedEvents('w1')).toHaveLength(4);
    expect(bus.deadLetters.letters).toEqual([]);
  });

  it('takes the Kafka spelling (ce_ attributes) too, and keeps the data as the event data', async () => {
    const record = withAttributes(sqsRecord('{"amount": "3.25"}'), {
      ce_specversion: '1.0',
      ce_id: 'sqs-underscore',
      ce_source: 'bank-app',
      ce_type: 'wallet.deposit',
      ce_subject: 'w2',
      ce_time: '2026-11-22T09:59:00Z',
      'content-type': 'application/json',
    });
    expect((await sqs([record])).batchItemFailures).toEqual([]);
    expect((await bus.view('w2')).balanceMinor).toBe(325n);
  });

  it('dead-letters only the invalid events of a batch, each alone with its reason', async () => {
    const events = [
      deposit('b-ok-0', '1.00'),
      { ...JSON.parse(JSON.stringify(deposit('b-bad-subject', '1.00'))), subject: 'not a wallet' },
      deposit('b-bad-amount', '1.234'),
      deposit('b-ok-3', '2.00'),
    ];
    const record = sqsRecord(JSON.stringify(events), { messageId: 'm-batch' });
    expect((await sqs([record])).batchItemFailures).toEqual([]);

    expect((await bus.view('w1')).balanceMinor).toBe(300n);
    expect(bus.deadLetters.letters).toEqual([
      expect.objectContaining({
        origin: 'sqs',
        originId: 'm-batch#1',
        code: 'invalid-event',
        eventId: 'b-bad-subject',
        reason: expect.stringMatching(/^subject: does not match the wallet id rule/),
        body: JSON.stringify(events[1]),
      }),
      expect.objectContaining({
        originId: 'm-batch#2',
        code: 'invalid-deposit',
        eventId: 'b-bad-amount',
        reason: expect.stringMatching(/^data\.amount: Amount has 3 fraction digits/),
      }),
    ]);
    // The letter's body is the event alone: sent again, it is a structured message of its own.
    const letter = bus.deadLetters.letters[0];
    expect(JSON.parse(letter?.body ?? 'null')).toMatchObject({ id: 'b-bad-subject' });
  });

  it('dead-letters what cannot be read at all: bad binary data, a batch that is not an array, an empty batch', async () => {
    const binaryBadJson = withAttributes(sqsRecord('{"amount": ', { messageId: 'm-bin' }), {
      'ce-specversion': '1.0',
      'ce-id': 'bin-broken',
      'ce-source': 'bank-app',
      'ce-type': 'wallet.deposit',
      'ce-subject': 'w1',
      'content-type': 'application/json',
    });
    const notArray = withAttributes(sqsRecord(JSON.stringify(deposit('x', '1.00')), { messageId: 'm-obj' }), {
      'content-type': 'application/cloudevents-batch+json',
    });
    const empty = sqsRecord('[]', { messageId: 'm-empty' });
    expect((await sqs([binaryBadJson, notArray, empty])).batchItemFailures).toEqual([]);

    const byId = Object.fromEntries(bus.deadLetters.letters.map((letter) => [letter.originId, letter]));
    expect(byId['m-bin']).toMatchObject({
      code: 'malformed-json',
      eventId: 'bin-broken',
      reason: expect.stringMatching(/^content-type is application\/json but the data is not JSON/),
    });
    expect(byId['m-obj']).toMatchObject({
      code: 'invalid-batch',
      reason: expect.stringMatching(/must be a JSON array/),
    });
    expect(byId['m-empty']).toMatchObject({
      code: 'invalid-batch',
      reason: expect.stringMatching(/empty array/),
    });
    expect(bus.store.storedEvents('w1')).toEqual([]);
  });

  it('retries a batch whose event failed for a passing reason; the redelivery applies each event once', async () => {
    const events = [deposit('r-0', '1.00'), deposit('r-1', '2.00', 'w-slow'), deposit('r-2', '4.00')];
    const record = sqsRecord(JSON.stringify(events), { messageId: 'm-retry' });
    const append = bus.store.append.bind(bus.store);
    const spy = vi.spyOn(bus.store, 'append').mockImplementation(async (request) => {
      if (request.walletId === 'w-slow') {
        throw Object.assign(new Error('Throughput exceeds the current capacity'), {
          name: 'ProvisionedThroughputExceededException',
        });
      }
      return append(request);
    });
    // The batch path's one transaction fails as DynamoDB's would: throttled, nothing written.
    const appendGroups = bus.store.appendGroups;
    const groupSpy = vi.spyOn(bus.store, 'appendGroups').mockImplementation(async (requests) => {
      if (requests.some((request) => request.walletId === 'w-slow')) {
        throw Object.assign(new Error('Throughput exceeds the current capacity'), {
          name: 'ProvisionedThroughputExceededException',
        });
      }
      return appendGroups(requests);
    });
    expect((await sqs([record])).batchItemFailures).toEqual([{ itemIdentifier: 'm-retry' }]);
    // A standard queue's batch is ingested together: w1's events both took effect, w-slow's did not.
    expect((await bus.view('w1')).balanceMinor).toBe(500n);
    expect((await bus.view('w-slow')).balanceMinor).toBe(0n);

    spy.mockRestore();
    groupSpy.mockRestore();
    expect((await sqs([record])).batchItemFailures).toEqual([]);
    expect((await bus.view('w1')).balanceMinor).toBe(500n);
    expect((await bus.view('w-slow')).balanceMinor).toBe(200n);
    expect(bus.deadLetters.letters).toEqual([]);
  });
});

describe('MSK: binary (ce_ headers), structured and batch records', () => {
  it('lands the SDK binary and structured messages and a batch record once each, delivered twice', async () => {
    const binary = Kafka.binary(deposit('k-bin', '1.00'));
    expect(binary.headers.ce_id).toBe('k-bin');
    const structured = Kafka.structured(deposit('k-str', '2.00'));
    const batch = {
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      value: JSON.stringify([deposit('k-b0', '4.00'), deposit('k-b1', '8.00')]),
    };
    const records = [fromKafka(binary, 1), fromKafka(structured, 2), fromKafka(batch, 3)];
    await kafka(records);
    await kafka(records);

    expect((await bus.view('w1')).balanceMinor).toBe(1_500n);
    expect(bus.store.storedEvents('w1')).toHaveLength(4);
    expect(bus.deadLetters.letters).toEqual([]);
  });

  it('dead-letters only the invalid events of a batch record, each with its own origin', async () => {
    const batch = {
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      value: JSON.stringify([
        deposit('kb-0', '1.00'),
        { id: 'kb-1', specversion: '1.0' },
        deposit('kb-2', '2.00'),
      ]),
    };
    await kafka([fromKafka(batch, 9)]);
    expect((await bus.view('w1')).balanceMinor).toBe(300n);
    expect(bus.deadLetters.letters).toEqual([
      expect.objectContaining({
        origin: 'kafka',
        originId: 'tally-events-0@9#1',
        code: 'invalid-event',
        eventId: 'kb-1',
        body: '{"id":"kb-1","specversion":"1.0"}',
      }),
    ]);
  });
});
