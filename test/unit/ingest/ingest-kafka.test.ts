import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  KafkaBatchRetryError,
  MSK_RECORD_CONTENT_TYPE,
  makeIngestKafkaHandler,
} from '#handlers/ingest-kafka.ts';
import {
  encodeProtobufCloudEvent,
  header,
  lambdaContext,
  mskEvent,
  mskRecord,
  protoTimestamp,
} from '../../fixtures/bus-events.ts';
import { type BusHarness, busHarness, cloudEvent } from './helpers.ts';

let bus: BusHarness;
let handle: (event: unknown) => Promise<void>;

beforeEach(() => {
  bus = busHarness();
  const handler = makeIngestKafkaHandler(() => bus.deps);
  handle = (event) => handler(event, lambdaContext);
});

const JSON_CT = header('content-type', 'application/cloudevents+json');

const jsonRecord = (overrides: Record<string, unknown>, at: { offset: number; partition?: number }) =>
  mskRecord({ value: JSON.stringify(cloudEvent(overrides)), headers: [JSON_CT], ...at });

/** The protobuf form of `cloudEvent(overrides)`. */
function protobufRecord(
  overrides: { id: string; subject?: string; type?: string; data?: unknown },
  at: { offset: number; partition?: number },
) {
  const event = cloudEvent(overrides);
  return mskRecord({
    value: encodeProtobufCloudEvent({
      id: String(event.id),
      source: String(event.source),
      spec_version: '1.0',
      type: String(event.type),
      attributes: {
        subject: { ce_string: String(event.subject) },
        time: { ce_timestamp: protoTimestamp(String(event.time)) },
        datacontenttype: { ce_string: 'application/json' },
      },
      text_data: JSON.stringify(event.data),
    }),
    headers: [header('content-type', 'application/cloudevents+protobuf')],
    ...at,
  });
}

describe('ingest-kafka', () => {
  it('ingests JSON and protobuf records; undecodable and invalid ones go to the DLQ with their reason', async () => {
    const garbage = mskRecord({ value: Buffer.from([0x0a, 0xff]), offset: 3 });
    await handle(
      mskEvent([
        jsonRecord({ id: 'k-json' }, { offset: 1 }),
        protobufRecord({ id: 'k-proto' }, { offset: 2 }),
        garbage,
        jsonRecord({ id: 'k-invalid', subject: 'bad wallet' }, { offset: 1, partition: 1 }),
        jsonRecord(
          { id: 'k-deposit', type: 'wallet.deposit', data: { amount: 99.5 } },
          { offset: 2, partition: 1 },
        ),
      ]),
    );

    const view = await bus.view('w1');
    expect(view.points).toBe(500n);
    expect(view.balanceMinor).toBe(9_950n);
    expect(bus.deadLetters.letters).toHaveLength(2);
    const [undecodable, invalid] = [...bus.deadLetters.letters].sort((a, b) =>
      a.originId.localeCompare(b.originId),
    );
    expect(undecodable).toMatchObject({
      origin: 'kafka',
      originId: 'tally-events-0@3',
      code: 'undecodable',
      reason: expect.stringMatching(/not an io\.cloudevents\.v1\.CloudEvent/),
      contentType: MSK_RECORD_CONTENT_TYPE,
    });
    // The letter holds the record as delivered, so it can be replayed once fixed.
    expect(JSON.parse(undecodable?.body ?? '')).toEqual(garbage);
    expect(invalid).toMatchObject({
      originId: 'tally-events-1@1',
      code: 'invalid-event',
      eventId: 'k-invalid',
      reason: expect.stringMatching(/^subject: does not match the wallet id rule/),
    });
  });

  it('takes the same CloudEvent once, whether it came as JSON or protobuf', async () => {
    await handle(
      mskEvent([
        jsonRecord({ id: 'same' }, { offset: 1 }),
        protobufRecord({ id: 'same' }, { offset: 2 }),
        protobufRecord({ id: 'same' }, { offset: 1, partition: 1 }),
      ]),
    );
    expect((await bus.view('w1')).awardCount).toBe(1);
    expect(bus.deadLetters.letters).toEqual([]);
  });

  it('stops a partition at a transient failure, finishes the others, throws; the redelivered batch changes each event once', async () => {
    let throttled = true;
    const append = bus.store.append.bind(bus.store);
    const spy = vi.spyOn(bus.store, 'append').mockImplementation(async (request) => {
      if (throttled && request.idempotency?.reference === 'p0-b') {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }
      return append(request);
    });
    const event = mskEvent([
      jsonRecord({ id: 'p0-a' }, { offset: 10 }),
      jsonRecord({ id: 'p0-b' }, { offset: 11 }),
      jsonRecord({ id: 'p0-c' }, { offset: 12 }),
      jsonRecord({ id: 'p1-a', subject: 'w2' }, { offset: 4, partition: 1 }),
    ]);

    await expect(handle(event)).rejects.toThrow(KafkaBatchRetryError);
    await expect(handle(event)).rejects.toThrow(/tally-events-0@11/);
    const keysTried = spy.mock.calls.map(([request]) => request.idempotency?.reference);
    expect(keysTried).not.toContain('p0-c');
    expect((await bus.view('w1')).awardCount).toBe(1);
    expect((await bus.view('w2')).awardCount).toBe(1);

    throttled = false;
    await handle(event);
    expect((await bus.view('w1')).awardCount).toBe(3);
    expect((await bus.view('w2')).awardCount).toBe(1);
  });

  it('dead-letters a record that does not have the MSK shape', async () => {
    await handle({ eventSource: 'aws:kafka', records: { 'tally-events-0': [{ topic: 'tally-events' }] } });
    expect(bus.deadLetters.letters).toEqual([
      expect.objectContaining({ code: 'undecodable', reason: expect.stringMatching(/^not an MSK record: /) }),
    ]);
  });

  it('refuses an event that is not from MSK (a wiring mistake, not a bad record)', async () => {
    await expect(handle({ Records: [] })).rejects.toThrow(/not an MSK event/);
  });
});
