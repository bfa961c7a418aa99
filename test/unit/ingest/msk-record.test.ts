import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLOUDEVENT_PROTO } from '#adapters/kafka/cloudevent-proto.ts';
import { timestampText } from '#adapters/kafka/msk-protobuf-values.ts';
import { decodeRecord, type MskRecord, recordsByPartition } from '#adapters/kafka/msk-record.ts';
import { cloudEventSchema } from '#app/cloud-event.ts';
import {
  encodeProtobufCloudEvent,
  header,
  mskEvent,
  mskRecord,
  PROTO_PATH,
  protoTimestamp,
} from '../../fixtures/bus-events.ts';
import goldenFixture from '../../fixtures/msk-cloudevents.json' with { type: 'json' };

/** The same event in both structured formats: what a producer on either side would send. */
const JSON_EVENT = {
  specversion: '1.0',
  id: 'ce-like-42',
  source: '//qa.example.com/answers',
  type: 'answer_is_liked',
  subject: 'walletID001',
  time: '2026-11-22T10:00:00.125Z',
  datacontenttype: 'application/json',
  data: { answerId: 'a-7', likedBy: ['u1', 'u2'], score: 3 },
};

const PROTO_EVENT = {
  id: 'ce-like-42',
  source: '//qa.example.com/answers',
  spec_version: '1.0',
  type: 'answer_is_liked',
  attributes: {
    subject: { ce_string: 'walletID001' },
    time: { ce_timestamp: protoTimestamp('2026-11-22T10:00:00.125Z') },
    datacontenttype: { ce_string: 'application/json' },
  },
  text_data: JSON.stringify(JSON_EVENT.data),
};

async function decoded(record: MskRecord) {
  const result = await decodeRecord(record);
  if (!result.ok) throw new Error(`expected a decoded record, got: ${result.reason}`);
  if (result.format === 'batch') throw new Error('expected one event, got a batch');
  return result;
}

async function decodedBatch(record: MskRecord): Promise<unknown[]> {
  const result = await decodeRecord(record);
  if (!result.ok || result.format !== 'batch')
    throw new Error(`expected a batch, got ${JSON.stringify(result)}`);
  return result.candidates;
}

async function refused(record: MskRecord): Promise<string> {
  const result = await decodeRecord(record);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  expect(result.code).toBe('undecodable');
  return result.reason;
}

describe('the shipped .proto', () => {
  it('is the text the handler embeds (Lambda bundles carry no .proto file)', () => {
    expect(CLOUDEVENT_PROTO).toBe(readFileSync(PROTO_PATH, 'utf8'));
  });

  it('is the official CloudEvents protobuf format', () => {
    const proto = readFileSync(PROTO_PATH, 'utf8');
    expect(proto).toContain('package io.cloudevents.v1;');
    for (const field of [
      'string id = 1;',
      'string source = 2;',
      'string spec_version = 3;',
      'string type = 4;',
      'map<string, CloudEventAttributeValue> attributes = 5;',
      'bytes binary_data = 6;',
      'string text_data = 7;',
      'google.protobuf.Any proto_data = 8;',
      'bool ce_boolean = 1;',
      'int32 ce_integer = 2;',
      'string ce_string = 3;',
      'bytes ce_bytes = 4;',
      'string ce_uri = 5;',
      'string ce_uri_ref = 6;',
      'google.protobuf.Timestamp ce_timestamp = 7;',
    ]) {
      expect(proto).toContain(field);
    }
  });
});

describe('MSK records decode to one CloudEvent, JSON or protobuf', () => {
  const fromJson = async (headers: Record<string, number[]>[]) =>
    await decoded(mskRecord({ value: JSON.stringify(JSON_EVENT), headers }));
  const fromProtobuf = async (headers: Record<string, number[]>[]) =>
    await decoded(mskRecord({ value: encodeProtobufCloudEvent(PROTO_EVENT), headers }));

  it('by content-type header', async () => {
    const json = await fromJson([header('content-type', 'application/cloudevents+json; charset=UTF-8')]);
    const protobuf = await fromProtobuf([header('content-type', 'application/cloudevents+protobuf')]);
    expect(json.format).toBe('json');
    expect(protobuf.format).toBe('protobuf');
    expect(cloudEventSchema.parse(protobuf.candidate)).toEqual(cloudEventSchema.parse(json.candidate));
    expect(protobuf.candidate).toEqual(JSON_EVENT);
  });

  it('by the first byte when there is no content type', async () => {
    const json = await fromJson([]);
    const protobuf = await fromProtobuf([]);
    expect([json.format, protobuf.format]).toEqual(['json', 'protobuf']);
    expect(protobuf.candidate).toEqual(json.candidate);
  });

  it('takes a Content-Type header in any case', async () => {
    expect((await fromProtobuf([header('Content-Type', 'application/cloudevents+protobuf')])).format).toBe(
      'protobuf',
    );
  });

  it('in binary mode: ce_ headers for the attributes, the value for the data', async () => {
    const binary = await decoded(
      mskRecord({
        value: JSON.stringify(JSON_EVENT.data),
        headers: [
          header('ce_specversion', '1.0'),
          header('ce_id', JSON_EVENT.id),
          header('ce_source', JSON_EVENT.source),
          header('ce_type', JSON_EVENT.type),
          header('ce_subject', JSON_EVENT.subject),
          header('ce_time', JSON_EVENT.time),
          header('content-type', 'application/json'),
        ],
      }),
    );
    expect(binary.format).toBe('binary');
    expect(binary.candidate).toEqual(JSON_EVENT);
  });

  it('decodes the golden fixtures (an MSK event as Lambda delivers it) to the same event', async () => {
    const records = recordsByPartition(goldenFixture.records);
    const events = await Promise.all(
      records.flatMap(({ records: list }) =>
        list.map(async (entry) => {
          if (!entry.ok) throw new Error(entry.reason);
          return cloudEventSchema.parse((await decoded(entry.record)).candidate);
        }),
      ),
    );
    expect(events).toHaveLength(2);
    expect(events[0]).toEqual(events[1]);
    expect(events[0]).toMatchObject({
      id: 'ce-golden-1',
      subject: 'walletID001',
      data: { amount: '2000.01' },
    });
  });
});

describe('protobuf attributes and data map to the JSON format', () => {
  it('maps every attribute type', async () => {
    const value = encodeProtobufCloudEvent({
      ...PROTO_EVENT,
      attributes: {
        ...PROTO_EVENT.attributes,
        flagged: { ce_boolean: true },
        attempt: { ce_integer: -3 },
        signature: { ce_bytes: Buffer.from('sig') },
        dataschema: { ce_uri: 'https://example.com/schema' },
        related: { ce_uri_ref: '/answers/7' },
        seenat: { ce_timestamp: { seconds: 1_763_805_600, nanos: 1 } },
      },
    });
    expect((await decoded(mskRecord({ value }))).candidate).toMatchObject({
      flagged: true,
      attempt: -3,
      signature: Buffer.from('sig').toString('base64'),
      dataschema: 'https://example.com/schema',
      related: '/answers/7',
      seenat: '2025-11-22T10:00:00.000000001Z',
    });
  });

  it('keeps text data as text when its content type is not JSON', async () => {
    const value = encodeProtobufCloudEvent({
      ...PROTO_EVENT,
      attributes: { ...PROTO_EVENT.attributes, datacontenttype: { ce_string: 'text/plain' } },
      text_data: 'liked!',
    });
    expect((await decoded(mskRecord({ value }))).candidate).toMatchObject({ data: 'liked!' });
  });

  it('parses binary JSON data, and keeps other binary data as data_base64', async () => {
    const json = encodeProtobufCloudEvent({
      ...PROTO_EVENT,
      text_data: undefined,
      binary_data: Buffer.from('{"amount":"5"}'),
    });
    expect((await decoded(mskRecord({ value: json }))).candidate).toMatchObject({ data: { amount: '5' } });
    const image = encodeProtobufCloudEvent({
      ...PROTO_EVENT,
      attributes: { ...PROTO_EVENT.attributes, datacontenttype: { ce_string: 'image/png' } },
      text_data: undefined,
      binary_data: Buffer.from([0x89, 0x50]),
    });
    const candidate = (await decoded(mskRecord({ value: image }))).candidate;
    expect(candidate).toMatchObject({ data_base64: 'iVA=' });
    expect(candidate).not.toHaveProperty('data');
  });

  it('reports a missing required field through the CloudEvent schema, not as undecodable', async () => {
    const value = encodeProtobufCloudEvent({ ...PROTO_EVENT, id: '' });
    const result = cloudEventSchema.safeParse((await decoded(mskRecord({ value }))).candidate);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['id']);
  });

  it('writes timestamps exactly, and refuses impossible ones', () => {
    expect(timestampText('0', 0)).toEqual({ ok: true, value: '1970-01-01T00:00:00Z' });
    expect(timestampText('1763805600', 500_000_000)).toEqual({ ok: true, value: '2025-11-22T10:00:00.5Z' });
    expect(timestampText('1', 1_000_000_000).ok).toBe(false);
    expect(timestampText('253402300800', 0).ok).toBe(false); // year 10000
  });
});

describe('records that are not CloudEvents are refused with a reason', () => {
  it.each([
    ['a tombstone (null value)', mskRecord({ value: null }), /no value/],
    ['an empty value', mskRecord({ value: '' }), /empty/],
    [
      'JSON that is not JSON',
      mskRecord({ value: '{"id": ', headers: [header('content-type', 'application/cloudevents+json')] }),
      /not JSON/,
    ],
    [
      'bytes that are not a protobuf CloudEvent',
      mskRecord({ value: Buffer.from([0x0a, 0xff, 0xff]) }),
      /not an io\.cloudevents\.v1\.CloudEvent/,
    ],
    [
      'an empty batch',
      mskRecord({ value: '[]', headers: [header('content-type', 'application/cloudevents-batch+json')] }),
      /the batch is an empty array/,
    ],
    [
      'a batch that is not an array',
      mskRecord({ value: '{}', headers: [header('content-type', 'application/cloudevents-batch+json')] }),
      /must be a JSON array of events/,
    ],
    [
      'another CloudEvents format',
      mskRecord({ value: 'x', headers: [header('content-type', 'application/cloudevents+avro')] }),
      /not supported on Kafka/,
    ],
    [
      'plain JSON without ce_ headers',
      mskRecord({ value: '{}', headers: [header('content-type', 'application/json')] }),
      /not a CloudEvent/,
    ],
    [
      'protobuf data (google.protobuf.Any)',
      mskRecord({
        value: encodeProtobufCloudEvent({
          ...PROTO_EVENT,
          text_data: undefined,
          proto_data: { type_url: 'type.googleapis.com/acme.Like', value: new Uint8Array([8, 1]) },
        }),
      }),
      /proto_data \(type\.googleapis\.com\/acme\.Like\) is not supported/,
    ],
    [
      'a required attribute in the attributes map',
      mskRecord({
        value: encodeProtobufCloudEvent({ ...PROTO_EVENT, attributes: { id: { ce_string: 'other' } } }),
      }),
      /attributes\.id: belongs in its own field/,
    ],
    [
      'text data that the content type says is JSON but is not',
      mskRecord({ value: encodeProtobufCloudEvent({ ...PROTO_EVENT, text_data: 'not json' }) }),
      /text_data: datacontenttype is application\/json but the text is not JSON/,
    ],
  ])('%s', async (_name, record, reason) => {
    expect(await refused(record)).toMatch(reason);
  });
});

describe('MSK records in the batch format decode to one candidate per event', () => {
  const second = { ...JSON_EVENT, id: 'like-2', data: { answerId: 'a2' } };
  it('by content-type application/cloudevents-batch+json', async () => {
    const value = JSON.stringify([JSON_EVENT, second]);
    const candidates = await decodedBatch(
      mskRecord({ value, headers: [header('content-type', 'application/cloudevents-batch+json')] }),
    );
    expect(candidates).toEqual([JSON_EVENT, second]);
  });

  it('an array under the structured type, or with no content type (first byte `[`), is a batch too', async () => {
    const value = JSON.stringify([second, JSON_EVENT]);
    expect(
      await decodedBatch(
        mskRecord({ value, headers: [header('content-type', 'application/cloudevents+json')] }),
      ),
    ).toEqual([second, JSON_EVENT]);
    expect(await decodedBatch(mskRecord({ value }))).toEqual([second, JSON_EVENT]);
  });

  it('keeps events that are not valid CloudEvents as candidates (each is validated on its own)', async () => {
    expect(await decodedBatch(mskRecord({ value: '[{"id": 1}, 7]' }))).toEqual([{ id: 1 }, 7]);
  });
});

describe('recordsByPartition', () => {
  it('groups by topic-partition and orders each group by offset', () => {
    const event = mskEvent([
      mskRecord({ value: '{}', partition: 0, offset: 7 }),
      mskRecord({ value: '{}', partition: 1, offset: 3 }),
      mskRecord({ value: '{}', partition: 0, offset: 5 }),
    ]);
    const groups = recordsByPartition(event.records);
    expect(groups.map((group) => group.partition)).toEqual(['tally-events-0', 'tally-events-1']);
    expect(groups[0]?.records.map((entry) => (entry.ok ? entry.record.offset : -1))).toEqual([5, 7]);
  });

  it('marks a record without the MSK shape, with the field at fault', () => {
    const [group] = recordsByPartition({ 'tally-events-0': [{ topic: 'tally-events', partition: 0 }] });
    const entry = group?.records[0];
    expect(entry?.ok).toBe(false);
    expect(entry?.ok === false && entry.reason).toMatch(/^not an MSK record: offset: /);
  });
});
