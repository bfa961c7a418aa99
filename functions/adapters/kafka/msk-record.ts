import * as z from 'zod/mini';
import { onFirstUse } from '#adapters/dynamodb/table-layout/on-first-use.ts';
import { zodEnglish } from '#app/zod-wording.ts';
import { type DecodedRecord, fail, isJsonMediaType, mediaType, textData, utf8 } from './msk-values.ts';

export { type DecodedRecord, isJsonMediaType } from './msk-values.ts';

/**
 * MSK records → candidate CloudEvents (validated afterwards by the same zod schema as every other
 * way in). Three encodings of the CloudEvents Kafka protocol binding are understood:
 * - structured JSON: `content-type: application/cloudevents+json`, the value is the event's JSON;
 * - structured protobuf: `content-type: application/cloudevents+protobuf`, the value is an
 *   `io.cloudevents.v1.CloudEvent` (./cloudevent.proto), decoded with protobufjs;
 * - binary mode: `ce_*` headers carry the attributes and the value is the data;
 * - batch: `content-type: application/cloudevents-batch+json`, the value is a JSON array of events
 *   (the Kafka binding defines no batch mode; this is the HTTP binding's batch format, so a producer
 *   can put many small events in one record). An array under the structured JSON type is a batch too.
 * Without a content type or `ce_specversion`, the first byte decides: `{` is JSON, `[` a JSON
 * batch, anything else protobuf (a CloudEvent message starts with a field tag, never `{` or `[`).
 */

/**
 * One record as the MSK event source delivers it: key and value base64, header values as bytes.
 * The schemas below are the one definition of a valid event and record, built on first use: what
 * the event source delivers is read field by field (`fast…`), which accepts only what they accept,
 * read to the same values (test/unit/ingest/msk-record-parse.property.test.ts); anything else
 * takes the schema, which accepts or explains it. Their first parse cost a cold start ~2-3 ms CPU.
 */
export const mskRecordSchema = onFirstUse(() =>
  z.object({
    topic: z.string(),
    partition: z.int(),
    offset: z.int(),
    timestamp: z.optional(z.number()),
    timestampType: z.optional(z.string()),
    key: z.nullish(z.string()),
    value: z.nullish(z.string()),
    headers: z.nullish(z.array(z.record(z.string(), z.array(z.int().check(z.gte(0), z.lte(255)))))),
  }),
);

export type MskRecord = z.infer<ReturnType<typeof mskRecordSchema>>;

/** The MSK event: records grouped by `topic-partition`, each group in offset order. */
export const mskEventSchema = onFirstUse(() =>
  z.object({
    eventSource: z.literal('aws:kafka'),
    eventSourceArn: z.optional(z.string()),
    bootstrapServers: z.optional(z.string()),
    records: z.record(z.string(), z.array(z.unknown())),
  }),
);

export type MskEvent = z.infer<ReturnType<typeof mskEventSchema>>;

/** A plain object the schemas' z.record reads as it is (it skips a `__proto__` key: left to it). */
const isRecordOf = (value: unknown, each: (value: unknown) => boolean): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (Object.getPrototypeOf(value) !== Object.prototype || Object.hasOwn(value, '__proto__')) return false;
  for (const key in value) if (!each((value as Record<string, unknown>)[key])) return false;
  return true;
};
const isByte = (value: unknown): boolean =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255;
const isHeader = (value: unknown): boolean =>
  isRecordOf(value, (bytes) => Array.isArray(bytes) && bytes.every(isByte));
const isInt = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);
const isNullishText = (value: unknown): boolean =>
  value === undefined || value === null || typeof value === 'string';

/** mskEventSchema's answer for an event it accepts, without it; undefined: anything else. */
function fastEvent(event: unknown): MskEvent | undefined {
  if (!isRecordOf(event, () => true)) return undefined;
  const { eventSource, eventSourceArn, bootstrapServers, records } = event;
  if (eventSource !== 'aws:kafka' || !isRecordOf(records, Array.isArray)) return undefined;
  if (eventSourceArn !== undefined && typeof eventSourceArn !== 'string') return undefined;
  if (bootstrapServers !== undefined && typeof bootstrapServers !== 'string') return undefined;
  // An optional attribute present as undefined stays present, as the schema leaves it.
  return {
    eventSource,
    ...('eventSourceArn' in event ? { eventSourceArn } : {}),
    ...('bootstrapServers' in event ? { bootstrapServers } : {}),
    records: records as Record<string, unknown[]>,
  };
}

/** mskRecordSchema's answer for a record it accepts, without it; undefined: anything else. */
function fastRecord(raw: unknown): MskRecord | undefined {
  if (!isRecordOf(raw, () => true)) return undefined;
  const { topic, partition, offset, timestamp, timestampType, key, value, headers } = raw;
  if (typeof topic !== 'string' || !isInt(partition) || !isInt(offset)) return undefined;
  if (timestamp !== undefined && !(typeof timestamp === 'number' && Number.isFinite(timestamp)))
    return undefined;
  if (timestampType !== undefined && typeof timestampType !== 'string') return undefined;
  if (!isNullishText(key) || !isNullishText(value)) return undefined;
  if (headers !== undefined && headers !== null && !(Array.isArray(headers) && headers.every(isHeader)))
    return undefined;
  const record: Record<string, unknown> = { topic, partition, offset };
  for (const [name, field] of Object.entries({ timestamp, timestampType, key, value, headers }))
    if (name in raw) record[name] = field;
  return record as MskRecord;
}

/** The MSK event, or that the event is not one (the handler then throws: not a record's fault). */
export function parseMskEvent(event: unknown): { success: true; data: MskEvent } | { success: false } {
  const fast = fastEvent(event);
  if (fast !== undefined) return { success: true, data: fast };
  const parsed = mskEventSchema().safeParse(event);
  return parsed.success ? { success: true, data: parsed.data } : { success: false };
}

const MEDIA_JSON = 'application/cloudevents+json';
const MEDIA_PROTOBUF = 'application/cloudevents+protobuf';
const MEDIA_BATCH = 'application/cloudevents-batch+json';
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;

/**
 * Header values by lower-cased name (the binding's names are lower case; a producer that wrote
 * `Content-Type` still means it). The last of repeated headers wins, as a map would have it.
 */
export function recordHeaders(record: Pick<MskRecord, 'headers'>): Map<string, string> {
  const headers = new Map<string, string>();
  for (const header of record.headers ?? []) {
    for (const [name, bytes] of Object.entries(header)) {
      headers.set(name.toLowerCase(), Buffer.from(bytes).toString('utf8'));
    }
  }
  return headers;
}

/**
 * Decodes one record's value into a candidate CloudEvent (not yet validated). Async only for the
 * protobuf format: its decoder (protobufjs, 107 KB minified) is imported on the first protobuf
 * record, so a function whose producers send JSON never loads or parses it.
 */
export async function decodeRecord(record: MskRecord): Promise<DecodedRecord> {
  if (record.value === undefined || record.value === null) {
    return fail('the record has no value (a tombstone?): there is no event to ingest');
  }
  const bytes = Buffer.from(record.value, 'base64');
  const headers = recordHeaders(record);
  const contentType = headers.get('content-type');
  const media = contentType === undefined ? undefined : mediaType(contentType);

  if (media === MEDIA_JSON) return decodeJson(bytes);
  if (media === MEDIA_BATCH) return decodeJson(bytes, { batch: true });
  if (media === MEDIA_PROTOBUF) return decodeProtobuf(bytes);
  if (media?.startsWith('application/cloudevents')) {
    return fail(
      `content-type ${media} is not supported on Kafka; expected ${MEDIA_JSON}, ${MEDIA_BATCH} or ${MEDIA_PROTOBUF}`,
    );
  }
  if (headers.has('ce_specversion')) return decodeBinaryMode(bytes, headers, contentType);
  if (media !== undefined) {
    return fail(
      `content-type ${media} without ce_* headers is not a CloudEvent; expected ${MEDIA_JSON}, ${MEDIA_PROTOBUF} or binary mode`,
    );
  }
  if (bytes.length === 0) return fail('the record value is empty');
  return bytes[0] === OPEN_BRACE || bytes[0] === OPEN_BRACKET ? decodeJson(bytes) : decodeProtobuf(bytes);
}

/** The protobuf format, imported on first use (./msk-protobuf.ts). */
async function decodeProtobuf(bytes: Buffer): Promise<DecodedRecord> {
  const { decodeProtobufValue } = await import('./msk-protobuf.ts');
  return decodeProtobufValue(bytes);
}

/** A JSON value: one event, or (an array) a batch; `batch: true` (the batch content type) requires an array. */
function decodeJson(bytes: Buffer, options: { batch?: boolean } = {}): DecodedRecord {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return fail('the JSON value is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`the value is not JSON: ${error instanceof SyntaxError ? error.message : 'unreadable'}`);
  }
  if (!Array.isArray(value)) {
    return options.batch === true
      ? fail(`${MEDIA_BATCH} must be a JSON array of events`)
      : { ok: true, format: 'json', candidate: value };
  }
  if (value.length === 0) return fail('the batch is an empty array: it has no events');
  return { ok: true, format: 'batch', candidates: value };
}

/**
 * Binary mode: every `ce_<name>` header is the attribute `<name>`, `content-type` is
 * `datacontenttype`, and the value is the data.
 */
function decodeBinaryMode(
  bytes: Buffer,
  headers: Map<string, string>,
  contentType: string | undefined,
): DecodedRecord {
  const event: Record<string, unknown> = {};
  for (const [name, value] of headers) {
    if (name.startsWith('ce_') && name.length > 3) event[name.slice(3)] = value;
  }
  if (contentType !== undefined) event.datacontenttype = contentType;
  if (bytes.length === 0) return { ok: true, format: 'binary', candidate: event };
  if (
    contentType === undefined ||
    isJsonMediaType(contentType) ||
    mediaType(contentType).startsWith('text/')
  ) {
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return fail('the value is not valid UTF-8 text');
    }
    const data = textData(text, contentType);
    if (!data.ok) return fail(`value: ${data.reason}`);
    event.data = data.value;
  } else {
    event.data_base64 = bytes.toString('base64');
  }
  return { ok: true, format: 'binary', candidate: event };
}

/** A record of the event, parsed: a record that does not have the MSK shape cannot be decoded. */
export type PartitionRecord = { ok: true; record: MskRecord } | { ok: false; raw: unknown; reason: string };

/**
 * Every record of an MSK event, grouped by `topic-partition` in event order, in offset order within
 * each group (misshapen records last).
 */
export function recordsByPartition(
  records: Record<string, unknown[]>,
): { partition: string; records: PartitionRecord[] }[] {
  return Object.entries(records).map(([partition, list]) => {
    const parsed = list.map((raw): PartitionRecord => {
      const fast = fastRecord(raw);
      if (fast !== undefined) return { ok: true, record: fast };
      // zod/mini installs no messages: zod's English in the reason an operator reads.
      const result = z.safeParse(mskRecordSchema(), raw, { error: zodEnglish });
      if (result.success) return { ok: true, record: result.data };
      const reason = result.error.issues
        .map((issue) => `${issue.path.map(String).join('.') || 'record'}: ${issue.message}`)
        .join('; ');
      return { ok: false, raw, reason: `not an MSK record: ${reason}` };
    });
    const offset = (entry: PartitionRecord): number =>
      entry.ok ? entry.record.offset : Number.MAX_SAFE_INTEGER;
    return { partition, records: parsed.sort((a, b) => offset(a) - offset(b)) };
  });
}
