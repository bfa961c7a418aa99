import * as z from 'zod/mini';
import { cloudEventProtoType } from './cloudevent-proto.ts';
import { binaryData, timestampText } from './msk-protobuf-values.ts';
import { type Converted, type DecodedRecord, fail, textData } from './msk-values.ts';

/**
 * The structured protobuf format of the CloudEvents Kafka binding (`application/cloudevents+protobuf`,
 * an `io.cloudevents.v1.CloudEvent` message): what ./msk-record.ts imports on the first protobuf
 * record, so that protobufjs is loaded only by an instance that receives one.
 */

/** The decoded protobuf message as plain data (protobufjs `toObject`, int64 as text, bytes as base64). */
const attributeValueSchema = z.object({
  ce_boolean: z.optional(z.boolean()),
  ce_integer: z.optional(z.int()),
  ce_string: z.optional(z.string()),
  ce_bytes: z.optional(z.string()),
  ce_uri: z.optional(z.string()),
  ce_uri_ref: z.optional(z.string()),
  ce_timestamp: z.optional(z.object({ seconds: z.optional(z.string()), nanos: z.optional(z.int()) })),
  attr: z.optional(z.string()),
});

const protoEventSchema = z.object({
  id: z.optional(z.string()),
  source: z.optional(z.string()),
  spec_version: z.optional(z.string()),
  type: z.optional(z.string()),
  attributes: z.optional(z.record(z.string(), attributeValueSchema)),
  binary_data: z.optional(z.string()),
  text_data: z.optional(z.string()),
  proto_data: z.optional(z.object({ type_url: z.optional(z.string()) })),
});

/** Context attributes the message holds in fields of their own; the map may not repeat them. */
const RESERVED_ATTRIBUTES = new Set(['id', 'source', 'specversion', 'type', 'data', 'data_base64']);

export function decodeProtobufValue(bytes: Buffer): DecodedRecord {
  const type = cloudEventProtoType();
  let plain: unknown;
  try {
    // `defaults: false`: a field left unset stays absent, so an empty `id` is reported as missing.
    plain = type.toObject(type.decode(bytes), {
      longs: String,
      bytes: String,
      defaults: false,
      oneofs: true,
    });
  } catch (error) {
    return fail(
      `the value is not an io.cloudevents.v1.CloudEvent protobuf message: ${error instanceof Error ? error.message : 'unreadable'}`,
    );
  }
  const message = protoEventSchema.safeParse(plain);
  if (!message.success) return fail('the protobuf message does not have the CloudEvent shape');
  const {
    id,
    source,
    spec_version,
    type: eventType,
    attributes,
    binary_data,
    text_data,
    proto_data,
  } = message.data;

  const event: Record<string, unknown> = {
    ...(spec_version === undefined ? {} : { specversion: spec_version }),
    ...(id === undefined ? {} : { id }),
    ...(source === undefined ? {} : { source }),
    ...(eventType === undefined ? {} : { type: eventType }),
  };
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (RESERVED_ATTRIBUTES.has(name)) {
      return fail(`attributes.${name}: belongs in its own field of the message, not in the attributes map`);
    }
    const converted = attributeValue(value);
    if (!converted.ok) return fail(`attributes.${name}: ${converted.reason}`);
    event[name] = converted.value;
  }

  const contentType = typeof event.datacontenttype === 'string' ? event.datacontenttype : undefined;
  if (proto_data !== undefined) {
    return fail(
      `proto_data (${proto_data.type_url ?? 'google.protobuf.Any'}) is not supported: rules read JSON data, so send it as text_data with datacontenttype application/json`,
    );
  }
  if (text_data !== undefined) {
    const data = textData(text_data, contentType);
    if (!data.ok) return fail(`text_data: ${data.reason}`);
    event.data = data.value;
  } else if (binary_data !== undefined) {
    const data = binaryData(Buffer.from(binary_data, 'base64'), contentType);
    if (!data.ok) return fail(`binary_data: ${data.reason}`);
    Object.assign(event, data.value);
  }
  return { ok: true, format: 'protobuf', candidate: event };
}

function attributeValue(value: z.infer<typeof attributeValueSchema>): Converted<unknown> {
  switch (value.attr) {
    case 'ce_boolean':
      return { ok: true, value: value.ce_boolean };
    case 'ce_integer':
      return { ok: true, value: value.ce_integer };
    case 'ce_string':
      return { ok: true, value: value.ce_string };
    case 'ce_bytes':
      // The JSON format carries Binary attributes as base64 text.
      return { ok: true, value: value.ce_bytes };
    case 'ce_uri':
      return { ok: true, value: value.ce_uri };
    case 'ce_uri_ref':
      return { ok: true, value: value.ce_uri_ref };
    case 'ce_timestamp':
      return timestampText(value.ce_timestamp?.seconds ?? '0', value.ce_timestamp?.nanos ?? 0);
    default:
      return { ok: false, reason: 'has no value' };
  }
}
